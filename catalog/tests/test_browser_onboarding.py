"""The onboarding steps on a 375 px phone: every step fits the screen (no horizontal scroll) both
for a new instructor (with the "Missing:" lines) and for one with services, an area map and a
studio; the profile step's missing list follows what the instructor saves; pause and resume."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, instructor_user
from bookings.tests.test_browser_journeys import off_loop  # services that notify, run off Playwright's loop
from catalog import services
from catalog.onboarding import STEPS
from catalog.tests.factories import go_live_ready

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_url, email):
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()


def fits_phone(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_every_step_of_a_new_instructor_fits_a_phone_and_says_what_is_missing(live_url, nyc, phone_page):
    user = instructor_user(full_name="Pat Phone")
    log_in(phone_page, live_url, user.email)
    for step in STEPS:
        phone_page.goto(f"{live_url}/teach/onboarding/{step.slug}/")
        expect(phone_page.get_by_role("heading", name=step.title, exact=True)).to_be_visible()
        assert fits_phone(phone_page) <= 375, step.slug
    phone_page.goto(live_url + "/teach/onboarding/profile/")
    for line in ("Missing: a headline.", "Missing: a bio of at least 80 characters.", "Missing: a profile photo."):
        expect(phone_page.get_by_text(line, exact=True)).to_be_visible()
    phone_page.get_by_label("Headline").fill("Guitar for grown-ups")
    phone_page.get_by_label("About you").fill("Blues, folk and rock guitar for adults who always wanted to play. " * 2)
    phone_page.get_by_label("Years of teaching experience").fill("6")
    phone_page.get_by_label("Languages you teach in").fill("English")
    phone_page.get_by_role("button", name="Save profile").click()
    expect(phone_page.get_by_text("Your profile was saved.")).to_be_visible()
    expect(phone_page.get_by_text("Missing: a headline.")).to_have_count(0)
    expect(phone_page.get_by_text("Missing: a profile photo.", exact=True)).to_be_visible()
    assert fits_phone(phone_page) <= 375
    phone_page.goto(live_url + "/teach/onboarding/go-live/")
    expect(phone_page.get_by_role("button", name="Go live")).to_be_disabled()
    expect(phone_page.get_by_text("Missing: identity verification approved")).to_be_visible()


def test_every_step_with_services_a_map_and_a_studio_fits_a_phone(live_url, nyc, phone_page, local_stripe):
    profile = off_loop(go_live_ready, local_stripe, full_name="Sam Studio")
    off_loop(
        services.instructor_set_service_area,
        instructor=profile, neighborhood_slugs=["park-slope", "windsor-terrace", "prospect-heights"],
        base_address="200 Eastern Parkway", travel_radius_m=3000, studio_address="350 5th Ave",
    )  # fmt: skip
    log_in(phone_page, live_url, profile.user.email)
    for step in STEPS:
        phone_page.goto(f"{live_url}/teach/onboarding/{step.slug}/")
        expect(phone_page.get_by_role("heading", name=step.title, exact=True)).to_be_visible()
        assert fits_phone(phone_page) <= 375, step.slug
    phone_page.goto(live_url + "/teach/onboarding/area/")
    expect(phone_page.locator("svg.area-map")).to_be_visible()
    expect(phone_page.get_by_text("Students see your studio as in Midtown, Manhattan")).to_be_visible()

    phone_page.goto(live_url + "/teach/onboarding/go-live/")
    expect(phone_page.get_by_text("Everything is ready.")).to_be_visible()
    phone_page.get_by_role("button", name="Go live").click()
    expect(phone_page.get_by_text("You are live! Students can now find and book you.")).to_be_visible()
    phone_page.get_by_role("button", name="Pause my profile").click()
    expect(phone_page.get_by_text("Your profile is paused: students can't find you.").first).to_be_visible()
    profile.refresh_from_db()
    assert profile.status == "paused"
    phone_page.get_by_role("button", name="Resume").click()
    expect(phone_page.get_by_text("Welcome back: your profile is live again.")).to_be_visible()
    profile.refresh_from_db()
    assert profile.status == "live"
    assert fits_phone(phone_page) <= 375

    phone_page.goto(live_url + profile.get_absolute_url())
    expect(phone_page.get_by_text("Studio lessons take place in Midtown, Manhattan")).to_be_visible()
    expect(phone_page.locator("svg.area-map")).to_be_visible()
    assert fits_phone(phone_page) <= 375
