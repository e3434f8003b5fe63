from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def kr(value) -> str:
    """Whole kroner with the language's digit grouping, kept on one line: "3 278 kr" (nb), "3,278 kr" (en)."""
    if value is None or value == "":
        return "–"
    return f"{number_format(int(value), force_grouping=True)}\N{NO-BREAK SPACE}kr"
