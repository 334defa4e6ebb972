from django import template

register = template.Library()


@register.filter
def dollars(cents) -> str:
    """1234 → "$12.34"."""
    cents = int(cents or 0)
    return f"${cents // 100:,}.{cents % 100:02d}"


@register.filter
def local(moment, zone):
    """A UTC datetime in the viewer's zone."""
    return moment.astimezone(zone) if moment else moment
