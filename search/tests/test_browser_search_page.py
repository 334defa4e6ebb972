"""The search page as people use it: the header box on another page, filters that update the list,
errors and empty pages that say what to do, "Use my location", a guest's own time zone, and opening
a result after words that named no service (the beacon, with the page's real CSRF token)."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from playwright.sync_api import expect
from psycopg.types.range import Range

from accounts.tests.factories import student
from availability.models import OpenTime
from catalog.models import InstructorNeighborhood
from catalog.tests.factories import live_instructor
from instainstru.tests.htmx import wait_for_htmx
from search.models import SearchTermAlias, SearchTermObservation
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db(transaction=True)

PARK_SLOPE = Point(-73.978, 40.671, srid=4326)


def teacher(catalog, name, service, *, cents=8000, types=("online", "student_place"), **profile):
    offer = live_instructor(service=catalog[service], prices={60: cents}, **profile)
    offer.location_types = list(types)
    offer.save()
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    return offer.instructor


@pytest.fixture
def catalog(live_url):
    return make_catalog()


def result_count(page):
    return page.locator(".result-count")


def names(page):
    return page.locator(".instructor-card .name")


def test_the_header_box_on_a_profile_page_searches(page, live_url, catalog):
    gus = teacher(catalog, "Gus Guitar", "guitar")
    teacher(catalog, "Pia Piano", "piano")
    page.goto(f"{live_url}/instructors/{gus.public_id}/")
    box = page.get_by_label("Search lessons")
    box.fill("guitr")
    box.press("Enter")
    expect(page).to_have_url(f"{live_url}/search/?service=guitar")
    expect(result_count(page)).to_have_text("1 instructor")
    expect(names(page)).to_have_text(["Gus Guitar"])
    expect(page.get_by_role("link", name="Remove Guitar")).to_be_visible()


def test_a_checkbox_and_a_price_change_the_list_in_place(page, live_url, catalog):
    teacher(catalog, "Olga Online", "piano", cents=6000, types=("online",))
    teacher(catalog, "Hank Home", "piano", cents=7000, types=("student_place",))
    teacher(catalog, "Dora Dear", "piano", cents=12000, types=("online",))
    page.goto(f"{live_url}/search/?service=piano&sort=price")
    expect(names(page)).to_have_text(["Olga Online", "Hank Home", "Dora Dear"])
    page.evaluate("window.__same_document = true")

    wait_for_htmx(page)
    page.get_by_label("Online", exact=True).check()
    expect(names(page)).to_have_text(["Olga Online", "Dora Dear"])
    expect(page).to_have_url(re.compile(r"type=online"))
    expect(page.get_by_role("link", name="Remove Online")).to_be_visible()

    wait_for_htmx(page)
    page.get_by_label("Max $/hour").fill("100")
    page.get_by_label("Max $/hour").press("Tab")
    expect(names(page)).to_have_text(["Olga Online"])
    expect(page).to_have_url(re.compile(r"price_max=100"))
    expect(page.get_by_role("link", name="Remove Under $100/h")).to_be_visible()
    assert page.evaluate("window.__same_document") is True


def test_a_bad_price_range_says_so_and_correcting_it_brings_the_results_back(page, live_url, catalog):
    teacher(catalog, "Mia Mid", "piano", cents=7000)
    page.goto(f"{live_url}/search/?service=piano")
    expect(names(page)).to_have_text(["Mia Mid"])
    wait_for_htmx(page)
    page.get_by_label("Min $/hour").fill("90")
    page.get_by_label("Min $/hour").press("Tab")  # a number input sends its change when it is left
    expect(result_count(page)).to_have_text("0 instructors")
    wait_for_htmx(page)
    page.get_by_label("Max $/hour").fill("50")
    page.get_by_label("Max $/hour").press("Tab")
    expect(page.get_by_role("alert")).to_contain_text(
        "Max $/hour: The maximum price must be at least the minimum price."
    )
    expect(page.locator(".instructor-card")).to_have_count(0)
    expect(page.get_by_label("Min $/hour")).to_have_value("90")  # the form is there to correct it
    expect(page.get_by_label("Max $/hour")).to_have_value("50")

    wait_for_htmx(page)
    page.get_by_label("Min $/hour").fill("40")
    page.get_by_label("Min $/hour").press("Tab")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(result_count(page)).to_have_text("0 instructors")  # $40–$50 is nobody…
    wait_for_htmx(page)
    page.get_by_label("Max $/hour").fill("80")
    page.get_by_label("Max $/hour").press("Tab")
    expect(names(page)).to_have_text(["Mia Mid"])  # …$40–$80 is Mia


@pytest.mark.browser  # phone_page is not `page`, so the root conftest does not mark it
def test_an_empty_page_offers_a_way_out_that_finds_someone_on_a_phone(phone_page, live_url, catalog):
    page = phone_page
    astoria = teacher(catalog, "Vic Astoria", "violin", types=("student_place",))
    InstructorNeighborhood.objects.create(instructor=astoria, neighborhood=catalog["astoria"])
    page.goto(live_url + "/search/")
    page.get_by_label("What do you want to learn?").fill("violin in park slope")
    page.get_by_role("button", name="Search").click()
    expect(result_count(page)).to_have_text("0 instructors")
    expect(page.get_by_role("heading", name="No instructors match all of that yet")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("link", name="Try Williamsburg")).to_have_count(0)  # nobody there either
    wait_for_htmx(page)
    page.get_by_role("link", name="Try Astoria").click()
    expect(names(page)).to_have_text(["Vic Astoria"])
    expect(page.get_by_role("link", name="Remove Astoria")).to_be_visible()


@pytest.mark.browser
def test_use_my_location_finds_the_nearest_first_with_distances(browser, live_url, catalog):
    teacher(catalog, "Fay Far", "swimming", public_point=Point(-73.978, 40.716, srid=4326))  # 5 km north
    teacher(catalog, "Nell Near", "swimming", public_point=Point(-73.98, 40.675, srid=4326))
    context = browser.new_context(
        geolocation={"latitude": PARK_SLOPE.y, "longitude": PARK_SLOPE.x},
        permissions=["geolocation"],
        locale="en-US",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    try:
        page.goto(live_url + "/search/")
        page.get_by_label("What do you want to learn?").fill("swim coach near me")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("Share your location (the “Use my location” button)")).to_be_visible()
        expect(page).to_have_url(re.compile(r"near=me"))
        wait_for_htmx(page)
        page.get_by_role("button", name="Use my location").click()
        expect(page.get_by_text("Share your location")).to_have_count(0)
        expect(names(page)).to_have_text(["Nell Near", "Fay Far"])
        expect(page.locator(".instructor-card")).to_contain_text(["0.3 mi away", "3.1 mi away"])
        expect(page.get_by_label("Sort by")).to_have_value("distance")
        expect(page).to_have_url(re.compile(r"lat=40\.67100"))
        expect(page).to_have_url(re.compile(r"lng=-73\.97800"))
    finally:
        context.close()


@pytest.mark.browser
def test_a_guest_in_london_sees_times_in_london(browser, live_url, catalog):
    vera = teacher(catalog, "Vera Violin", "violin")
    OpenTime.objects.create(
        instructor=vera, span=Range(datetime(2099, 3, 4, 15, tzinfo=UTC), datetime(2099, 3, 4, 18, tzinfo=UTC))
    )
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    try:
        page.goto(live_url + "/search/?service=violin")
        # The first answer was read in New York time; search.js reads it again in the browser's zone.
        expect(page.locator(".instructor-card")).to_contain_text("Next available: Wed, Mar 4, 3:00 PM GMT")
        assert {cookie["name"]: cookie["value"] for cookie in context.cookies()}["tz"] == "Europe/London"
        page.reload()
        expect(page.locator(".instructor-card")).to_contain_text("3:00 PM GMT")
    finally:
        context.close()


def test_opening_a_result_after_words_that_named_no_service_teaches_an_alias(page, live_url, catalog):
    teacher(catalog, "Stella Keys", "piano", headline="Steinway-trained concert pianist")
    learner = student()
    client = Client()
    client.force_login(learner)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}])
    page.goto(live_url + "/search/")
    page.get_by_label("What do you want to learn?").fill("steinway")
    page.get_by_role("button", name="Search").click()
    expect(names(page)).to_have_text(["Stella Keys"])
    with page.expect_response("**/search/opened/") as beacon:
        page.get_by_role("link", name="Stella Keys").click()
    assert beacon.value.status == 204  # answered after the observation was committed
    assert "csrfmiddlewaretoken" in beacon.value.request.post_data
    expect(page.get_by_role("heading", level=1)).to_have_text("Stella Keys")
    alias = SearchTermAlias.objects.get()
    assert (alias.term, alias.service.slug, alias.distinct_users) == ("steinway", "piano", 1)
    assert SearchTermObservation.objects.get().user == learner


def test_a_guest_opening_a_result_teaches_nothing(page, live_url, catalog):
    teacher(catalog, "Stella Keys", "piano", headline="Steinway-trained concert pianist")
    page.goto(live_url + "/search/?q=steinway")
    with page.expect_response("**/search/opened/") as beacon:
        page.get_by_role("link", name="Stella Keys").click()
    assert beacon.value.status == 204  # the guest's token was accepted…
    assert SearchTermAlias.objects.count() == 0  # …and guests are not counted
