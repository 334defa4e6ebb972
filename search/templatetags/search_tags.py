from django import template

from search.engine import LOCATION_LABELS, querystring

register = template.Library()


@register.filter
def as_querystring(params: dict) -> str:
    return querystring(params)


@register.filter
def location_label(location_type: str) -> str:
    return LOCATION_LABELS.get(location_type, location_type)


@register.filter
def dollars(cents) -> str:
    if cents is None:
        return ""
    return f"${cents // 100}" if cents % 100 == 0 else f"${cents / 100:.2f}"


@register.filter
def miles(distance) -> str:
    if distance is None:
        return ""
    return f"{distance.m / 1609.344:.1f} mi away"


@register.filter
def local_when(value, zone) -> str:
    """`value` in `zone` as "Sat, Nov 22, 3:00 PM EST": what `|date:"D, M j, g:i A T"` prints in
    English, without Django's per-character date formatter (it ran for every card)."""
    if not value:
        return ""
    local = value.astimezone(zone)
    day, month = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    clock = f"{local.hour % 12 or 12}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
    return f"{day}, {month} {local.day}, {clock} {local.tzname()}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
