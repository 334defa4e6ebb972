from django import template

from search import cards
from search.engine import LOCATION_LABELS, querystring

register = template.Library()

register.filter("dollars", cards.dollars)
register.filter("miles", cards.miles)
register.filter("local_when", cards.local_when)


@register.filter
def as_querystring(params: dict) -> str:
    return querystring(params)


@register.filter
def location_label(location_type: str) -> str:
    return LOCATION_LABELS.get(location_type, location_type)


@register.simple_tag(takes_context=True)
def search_cards(context, results, zone):
    """The page's result cards (`search.cards`), with the searcher's favorites read once."""
    from reviews.selectors import favorite_instructor_ids_for_request

    request = context.get("request")
    favorite_ids = favorite_instructor_ids_for_request(request) if request is not None else set()
    return cards.cards_html(results, zone=zone, favorite_ids=favorite_ids)
