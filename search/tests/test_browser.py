"""A guest searches in natural language, removes a chip, changes the sort and opens a profile."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import InstructorNeighborhood
from catalog.tests.factories import live_instructor
from instainstru.tests.htmx import wait_for_htmx
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db(transaction=True)


def piano_teacher(catalog, name, hourly_cents, *, kids=True, in_park_slope=True):
    offer = live_instructor(service=catalog["piano"], prices={60: hourly_cents})
    offer.age_groups = ["kids"] if kids else ["adults"]
    offer.save()
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    if in_park_slope:
        InstructorNeighborhood.objects.create(instructor=offer.instructor, neighborhood=catalog["park-slope"])
    return offer.instructor


@pytest.fixture
def teachers(live_url):
    catalog = make_catalog()
    return {
        "cheap": piano_teacher(catalog, "Carla Cheap", 6000),
        "dear": piano_teacher(catalog, "Dora Dear", 8500),
        "adults": piano_teacher(catalog, "Adam Adults", 7000, kids=False),
        "elsewhere": piano_teacher(catalog, "Elsa Elsewhere", 5000, in_park_slope=False),
    }


def run_the_search(page, live_url, teachers):
    page.goto(live_url + "/")
    page.get_by_label("What do you want to learn?").fill("pianno lessons for my 8 year old in park slope under $90")
    page.get_by_role("button", name="Search").click()

    results = page.locator(".search-results")
    expect(page.get_by_role("status").filter(has_text="instructor")).to_have_text("2 instructors")
    expect(results).to_contain_text("Carla Cheap")
    expect(results).to_contain_text("Dora Dear")
    for chip in ("Piano", "Kids", "Under $90/h", "Park Slope"):
        expect(page.get_by_role("link", name=f"Remove {chip}")).to_be_visible()

    # Removing the "Kids" chip brings back the adults-only teacher, without a full reload.
    page.evaluate("window.__same_document = true")
    page.get_by_role("link", name="Remove Kids").click()
    expect(page.get_by_role("status").filter(has_text="instructor")).to_have_text("3 instructors")
    expect(results).to_contain_text("Adam Adults")
    expect(page).not_to_have_url(re.compile(r"age=kids"))
    assert page.evaluate("window.__same_document") is True

    wait_for_htmx(page)
    page.get_by_label("Sort by").select_option(label="Price: high to low")
    expect(page).to_have_url(re.compile(r"sort=-price"))
    expect(page.locator(".instructor-card .name")).to_have_text(["Dora Dear", "Adam Adults", "Carla Cheap"])
    assert page.evaluate("window.__same_document") is True

    # The URL is shareable: opening it afresh shows the same list.
    page.goto(page.url)
    expect(page.locator(".instructor-card .name")).to_have_text(["Dora Dear", "Adam Adults", "Carla Cheap"])

    page.get_by_role("link", name="Dora Dear").click()
    expect(page).to_have_url(f"{live_url}/instructors/{teachers['dear'].public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dora Dear")


def test_guest_searches_removes_a_chip_sorts_and_opens_a_profile(page, live_url, teachers):
    run_the_search(page, live_url, teachers)


@pytest.mark.browser  # phone_page is not `page`, so the root conftest does not mark it
def test_search_works_on_a_phone(phone_page, live_url, teachers):
    run_the_search(phone_page, live_url, teachers)
    phone_page.go_back()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
