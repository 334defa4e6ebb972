from django import template

from catalog import icons, money

register = template.Library()


@register.filter
def dollars(cents) -> str:
    """4500 → "$45", 4550 → "$45.50" (prices before the booking fee)."""
    return money.dollars(cents)


@register.filter
def kilometres(metres) -> str:
    """2000 → "2 km", 1500 → "1.5 km"."""
    if metres is None:
        return ""
    return f"{int(metres) / 1000:g} km"


@register.simple_tag
def category_icon(category, size: int = 24):
    """The category's icon from the sprite (see catalog.icons)."""
    return icons.icon_svg(category.icon_name, size=size)
