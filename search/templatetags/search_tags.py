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
def in_zone(value, zone):
    return value.astimezone(zone) if value else value
