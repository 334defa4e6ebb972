"""The result cards built in Python (`search.cards`) give the markup of the template they replaced,
and the favorite heart is exactly the reviews app's partial."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.measure import D
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

from accounts.tests.factories import student
from catalog.tests.factories import live_instructor
from reviews.services import favorite_set
from search.cards import card_html, favorite_button
from search.selectors import SearchFilters, search_instructors
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

# The card as the search template rendered it before `search.cards` (the reference markup).
TEMPLATE_CARD = """{% load search_tags %}
<li class="card instructor-card">
  <a class="card-link" href="/instructors/{{ card.public_id }}/" data-service="{{ card.matched_service_slug|default:'' }}">
    {% if card.photo_thumb %}<img src="{{ card.photo_thumb.url }}" alt="" width="64" height="64" class="avatar">{% else %}<span class="avatar placeholder" aria-hidden="true">{{ card.user.full_name|slice:":1" }}</span>{% endif %}
    <strong class="name">{{ card.user.full_name }}</strong>
  </a>
  {% include "reviews/partials/favorite_button.html" with profile=card %}
  <p class="muted">{{ card.matched_service_name }}{% if card.headline %} · {{ card.headline }}{% endif %}</p>
  <p>{% if card.rating_count >= 3 %}<span aria-label="Rating">★ {{ card.average_rating|floatformat:1 }}</span> ({{ card.rating_count }} review{{ card.rating_count|pluralize }}){% else %}<span class="badge">New</span>{% endif %}
     · <strong>From {{ card.price_from_cents|dollars }}/h</strong></p>
  <p class="small">{% for location_type in card.matched_location_types %}<span class="badge">{{ location_type|location_label }}</span> {% endfor %}</p>
  <p class="small">{% if card.next_available_at %}Next available: {{ card.next_available_at|local_when:zone }}{% else %}No open times yet{% endif %}{% if card.distance_m %} · {{ card.distance_m|miles }}{% endif %}</p>
</li>
"""  # noqa: E501


def normalized(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def test_cards_match_the_template_they_replaced():
    catalog = make_catalog()
    person = student()
    plain = live_instructor(service=catalog["piano"], prices={60: 8050}, headline='Jazz & "blues" <b>piano</b>')
    plain.location_types = ["online", "studio"]
    plain.save()
    liked = live_instructor(service=catalog["piano"], prices={30: 4500, 60: 9000}, headline="")
    favorite_set(user=person, instructor=liked.instructor, favorite=True, now=NOW)
    request = RequestFactory().get("/search/")
    request.user = person
    zone = ZoneInfo("America/New_York")
    cards = search_instructors(filters=SearchFilters(service_id=catalog["piano"].pk), now=NOW).page.object_list
    assert len(cards) == 2
    # Rated and distant: 3 reviews averaging 4.25 (floatformat rounds half up), 2.4 km away.
    cards[0].rating_count, cards[0].average_rating, cards[0].distance_m = 3, 4.25, D(m=2400)
    cards[0].next_available_at = datetime(2026, 3, 8, 14, 30, tzinfo=UTC)  # Sunday, after the DST change

    for card in cards:
        expected = Template(TEMPLATE_CARD).render(Context({"card": card, "zone": zone, "request": request}))
        assert normalized(card_html(card, zone=zone, favorite=card.pk == liked.instructor.pk)) == normalized(expected)
    first = normalized(card_html(cards[0], zone=zone, favorite=False))
    assert "★ 4.3</span> (3 reviews)" in first
    assert "Next available: Sun, Mar 8, 10:30 AM EDT · 1.5 mi away" in first
    jazz = next(card for card in cards if card.pk == plain.instructor.pk)
    assert "Piano · Jazz &amp; &quot;blues&quot; &lt;b&gt;piano&lt;/b&gt;" in normalized(
        card_html(jazz, zone=zone, favorite=False)
    )
    assert "From $80.50/h" in normalized(card_html(jazz, zone=zone, favorite=False))


@pytest.mark.parametrize("on", [True, False])
def test_favorite_heart_is_the_reviews_partial(on):
    make_catalog()
    profile = live_instructor().instructor
    expected = render_to_string("reviews/partials/favorite_button.html", {"profile": profile, "request": None})
    # The partial asks whether the signed-in person favorited `profile`; render its two states.
    expected_on = expected if not on else _partial_with_favorite(profile)
    assert normalized(favorite_button(profile, on=on)) == normalized(expected_on)


def _partial_with_favorite(profile):
    person = student()
    favorite_set(user=person, instructor=profile, favorite=True, now=NOW)
    request = RequestFactory().get("/")
    request.user = person
    return render_to_string("reviews/partials/favorite_button.html", {"profile": profile}, request=request)
