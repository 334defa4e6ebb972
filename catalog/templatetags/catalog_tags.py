from django import template

register = template.Library()


@register.filter
def dollars(cents) -> str:
    """4500 → "$45", 4550 → "$45.50" (prices before the booking fee)."""
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    return f"${whole:,}" if rest == 0 else f"${whole:,}.{rest:02d}"


@register.filter
def kilometres(metres) -> str:
    """2000 → "2 km", 1500 → "1.5 km"."""
    if metres is None:
        return ""
    return f"{int(metres) / 1000:g} km"
