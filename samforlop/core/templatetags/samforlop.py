from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def absolute(value):
    return abs(value) if value is not None else value


@register.filter
def weeks(days):
    """Days as weeks with at most one decimal, the way the active language writes numbers
    ("1,6" in Bokmål, "1.6" in English), for the time limits (limits are in calendar weeks)."""
    if days is None:
        return ""
    value = round(days / 7, 1)
    return number_format(value, decimal_pos=0 if value == int(value) else 1, use_l10n=True)


@register.filter
def municipality(number):
    """A municipality by its name ("Bergen"); a number the register does not hold as its number."""
    from samforlop.core.municipalities import municipality_name

    if not number:
        return ""
    return municipality_name(number) or _("municipality %(number)s") % {"number": number}


@register.filter
def verbose(instance, field_name):
    """A model field's label, for read-only pages that show the same questions as the form."""
    return instance._meta.get_field(field_name).verbose_name
