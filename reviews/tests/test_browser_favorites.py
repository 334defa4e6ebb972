"""Favorites in the browser: the heart flips at once, the server's refusal flips it back with a message."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.tests.factories import instructor_user, student
from catalog.models import InstructorProfile
from catalog.tests.factories import live_instructor
from reviews.models import Favorite
from reviews.services import favorite_set

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_url, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}])


def test_heart_is_optimistic_and_rolls_back_when_refused_on_a_phone(phone_page, live_url):
    page = phone_page
    person = student(full_name="Sam Student")
    profile = live_instructor(user=instructor_user(full_name="Ada Teacher")).instructor
    favorite_set(user=person, instructor=profile, favorite=True, now=datetime.now(tz=UTC))
    log_in(page, live_url, person)

    page.goto(live_url + "/favorites/")
    expect(page.get_by_role("heading", name="Favorites")).to_be_visible()
    expect(page.get_by_role("link", name="Ada Teacher")).to_be_visible()
    heart = page.get_by_role("button", name="Remove Ada Teacher from favorites")
    expect(heart).to_have_attribute("aria-pressed", "true")

    # Hold the request: the heart is already empty before the server has answered.
    held = []
    page.route("**/favorites/*/", lambda route: held.append(route))
    heart.click()
    empty_heart = page.get_by_role("button", name="Add Ada Teacher to favorites")
    expect(empty_heart).to_have_attribute("aria-pressed", "false")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    assert Favorite.objects.filter(user=person).count() == 1
    with page.expect_response("**/favorites/*/") as answer:
        held[0].continue_()
    assert answer.value.status == 200
    page.unroute("**/favorites/*/")
    expect(empty_heart).to_have_attribute("aria-pressed", "false")
    assert Favorite.objects.filter(user=person).count() == 0

    # The instructor stops taking students while the page is open: the server refuses.
    InstructorProfile.objects.filter(pk=profile.pk).update(status=InstructorProfile.Status.PAUSED)
    empty_heart.click()
    expect(page.get_by_role("status").filter(has_text="isn't taking students right now")).to_be_visible()
    expect(page.get_by_role("button", name="Add Ada Teacher to favorites")).to_have_attribute("aria-pressed", "false")
    assert Favorite.objects.filter(user=person).count() == 0

    # Live again, but the network drops the request: rolled back too.
    InstructorProfile.objects.filter(pk=profile.pk).update(status=InstructorProfile.Status.LIVE)
    page.route("**/favorites/*/", lambda route: route.abort())
    page.get_by_role("button", name="Add Ada Teacher to favorites").click()
    expect(page.get_by_text("Couldn't save that. Please try again.")).to_be_visible()
    expect(page.get_by_role("button", name="Add Ada Teacher to favorites")).to_have_attribute("aria-pressed", "false")
    page.unroute("**/favorites/*/")

    with page.expect_response("**/favorites/*/") as answer:
        page.get_by_role("button", name="Add Ada Teacher to favorites").click()
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="Remove Ada Teacher from favorites")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_text("Couldn't save that. Please try again.")).to_be_hidden()
    page.reload()
    expect(page.get_by_role("button", name="Remove Ada Teacher from favorites")).to_be_visible()
    assert Favorite.objects.filter(user=person, instructor=profile).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_guest_heart_on_a_profile_rolls_back_with_a_message(page, live_url):
    profile = live_instructor(user=instructor_user(full_name="Bo Coach")).instructor
    page.goto(f"{live_url}/instructors/{profile.public_id}/")
    page.get_by_role("button", name="Add Bo Coach to favorites").click()
    expect(page.get_by_text("Log in to save favorites.")).to_be_visible()
    expect(page.get_by_role("button", name="Add Bo Coach to favorites")).to_have_attribute("aria-pressed", "false")
    assert Favorite.objects.count() == 0


def test_signed_in_heart_on_a_search_card_and_a_profile_and_the_favorites_page(page, live_url):
    from catalog.models import InstructorNeighborhood
    from search.tests.helpers import make_catalog

    catalog = make_catalog()
    offer = live_instructor(service=catalog["piano"], user=instructor_user(full_name="Pia Piano"))
    InstructorNeighborhood.objects.create(instructor=offer.instructor, neighborhood=catalog["park-slope"])
    profile = offer.instructor
    person = student(full_name="Sam Student")
    log_in(page, live_url, person)

    # On a search result card: on.
    page.goto(live_url + "/")
    page.get_by_label("What do you want to learn?").fill("piano lessons in park slope")
    page.get_by_role("button", name="Search").click()
    card = page.locator(".instructor-card").filter(has_text="Pia Piano")
    expect(card).to_be_visible()
    results_url = page.url
    with page.expect_response("**/favorites/*/") as answer:
        card.get_by_role("button", name="Add Pia Piano to favorites").click()
    assert answer.value.status == 200
    expect(card.get_by_role("button", name="Remove Pia Piano from favorites")).to_have_attribute("aria-pressed", "true")
    # The results push their URL into the history; the heart inside them must not (it did:
    # Back and Reload then opened /favorites/<id>/, which answers 405).
    assert page.url == results_url
    assert list(Favorite.objects.values_list("user", "instructor")) == [(person.pk, profile.pk)]

    # The Favorites page lists Pia; her profile shows the heart on, and turns it off.
    page.get_by_role("link", name="Favorites").first.click()
    expect(page.get_by_role("heading", name="Favorites")).to_be_visible()
    expect(page.get_by_role("link", name="Pia Piano")).to_be_visible()
    page.get_by_role("link", name="Pia Piano").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pia Piano")
    heart = page.get_by_role("button", name="Remove Pia Piano from favorites")
    expect(heart).to_have_attribute("aria-pressed", "true")
    with page.expect_response("**/favorites/*/") as answer:
        heart.click()
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="Add Pia Piano to favorites")).to_have_attribute("aria-pressed", "false")
    assert Favorite.objects.count() == 0
    page.goto(live_url + "/favorites/")
    expect(page.get_by_text("You haven't saved any instructors yet.")).to_be_visible()

    # On again from the profile; the search card shows it on too.
    page.goto(f"{live_url}/instructors/{profile.public_id}/")
    with page.expect_response("**/favorites/*/") as answer:
        page.get_by_role("button", name="Add Pia Piano to favorites").click()
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="Remove Pia Piano from favorites")).to_be_visible()
    assert Favorite.objects.filter(user=person, instructor=profile).count() == 1
    page.goto(results_url)
    card = page.locator(".instructor-card").filter(has_text="Pia Piano")
    expect(card.get_by_role("button", name="Remove Pia Piano from favorites")).to_have_attribute("aria-pressed", "true")
    page.goto(live_url + "/favorites/")
    expect(page.get_by_role("button", name="Remove Pia Piano from favorites")).to_have_attribute("aria-pressed", "true")
