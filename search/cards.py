"""The result cards' HTML, built in Python: twenty cards through the template engine (a node per
tag, an include per favorite button) cost more CPU than the rest of the page.

Every value goes through `format_html` (escaped); the markup is the one the search page had in its
template, and the favorite button is the reviews app's `reviews/partials/favorite_button.html`
(a test renders both and compares them).
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from reviews.models import RATING_SHOWN_FROM
from search.engine import LOCATION_LABELS


def dollars(cents) -> str:
    if cents is None:
        return ""
    return f"${cents // 100}" if cents % 100 == 0 else f"${cents / 100:.2f}"


def miles(distance) -> str:
    if distance is None:
        return ""
    return f"{distance.m / 1609.344:.1f} mi away"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_when(value, zone) -> str:
    """`value` in `zone` as "Sat, Nov 22, 3:00 PM EST": what `|date:"D, M j, g:i A T"` prints in
    English, without Django's per-character date formatter."""
    if not value:
        return ""
    local = value.astimezone(zone)
    day, month = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    clock = f"{local.hour % 12 or 12}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
    return f"{day}, {month} {local.day}, {clock} {local.tzname()}"


def favorite_button(profile, *, on: bool) -> SafeString:
    """The reviews app's favorite heart for `profile` (markup of `reviews/partials/favorite_button.html`)."""
    name = profile.user.full_name
    return format_html(
        '<span class="favorite" id="favorite-{id}">\n'
        '  <button type="button" class="favorite-button linklike" aria-pressed="{pressed}"\n'
        '          aria-label="{label}"\n'
        '          data-favorite data-name="{name}"\n'
        '          hx-post="{url}" hx-target="#favorite-{id}" hx-swap="outerHTML">\n'
        '    <span class="heart" aria-hidden="true">{heart}</span>\n'
        "  </button>\n"
        '  <span class="favorite-message error small" role="status"></span>\n'
        "</span>",
        id=profile.public_id,
        pressed="true" if on else "false",
        label=f"Remove {name} from favorites" if on else f"Add {name} to favorites",
        name=name,
        url=reverse("favorite_set", args=[profile.public_id]),
        heart="♥" if on else "♡",
    )


def _rating(card) -> SafeString:
    if card.rating_count >= RATING_SHOWN_FROM:
        plural = "" if card.rating_count == 1 else "s"
        return format_html(
            '<span aria-label="Rating">★ {}</span> ({} review{})',
            floatformat(card.average_rating, 1),
            card.rating_count,
            plural,
        )
    return mark_safe('<span class="badge">New</span>')  # noqa: S308 - a constant


def card_html(card, *, zone, favorite: bool) -> SafeString:
    """One result card (`card` as built by `search.selectors.search_instructors`)."""
    name = card.user.full_name
    if card.photo_thumb:
        avatar = format_html('<img src="{}" alt="" width="64" height="64" class="avatar">', card.photo_thumb.url)
    else:
        avatar = format_html('<span class="avatar placeholder" aria-hidden="true">{}</span>', name[:1])
    badges = format_html_join(
        "", '<span class="badge">{}</span> ', ((LOCATION_LABELS.get(t, t),) for t in card.matched_location_types)
    )
    when = (
        f"Next available: {local_when(card.next_available_at, zone)}" if card.next_available_at else "No open times yet"
    )
    if card.distance_m:
        when += f" · {miles(card.distance_m)}"
    return format_html(
        '<li class="card instructor-card">\n'
        '  <a class="card-link" href="/instructors/{public_id}/" data-service="{slug}">\n'
        "    {avatar}\n"
        '    <strong class="name">{name}</strong>\n'
        "  </a>\n"
        "  {favorite}\n"
        '  <p class="muted">{service}{headline}</p>\n'
        "  <p>{rating}\n"
        "     · <strong>From {price}/h</strong></p>\n"
        '  <p class="small">{badges}</p>\n'
        '  <p class="small">{when}</p>\n'
        "</li>\n",
        public_id=card.public_id,
        slug=card.matched_service_slug or "",
        avatar=avatar,
        name=name,
        favorite=favorite_button(card, on=favorite),
        service=card.matched_service_name or "",
        headline=f" · {card.headline}" if card.headline else "",
        rating=_rating(card),
        price=dollars(card.price_from_cents),
        badges=badges,
        when=when,
    )


def cards_html(cards, *, zone, favorite_ids: set[int]) -> SafeString:
    """The page's cards, favorite state from one set computed for the page."""
    return mark_safe("".join(card_html(card, zone=zone, favorite=card.pk in favorite_ids) for card in cards))  # noqa: S308
