from django import template

register = template.Library()


@register.filter
def absolute(value):
    return abs(value) if value is not None else value


@register.filter
def weeks(days):
    """Days as weeks with one decimal, for the time limits (limits are in calendar weeks)."""
    if days is None:
        return ""
    return f"{days / 7:.1f}".replace(".0", "")


@register.filter
def verbose(instance, field_name):
    """A model field's label, for read-only pages that show the same questions as the form."""
    return instance._meta.get_field(field_name).verbose_name
