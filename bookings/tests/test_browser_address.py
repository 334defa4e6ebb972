"""Browser: a student saves an address in settings and books a lesson there."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import SavedAddress
from accounts.tests.factories import student
from bookings.models import Booking
from bookings.tests.factories import bookable_offer
from bookings.tests.test_browser import log_in
from catalog.services import instructor_set_service_area
from payments.tests.fixtures import pay_in_checkout

pytestmark = pytest.mark.django_db(transaction=True)


def test_student_saves_addresses_and_books_at_home(live_url, page, phone_page, browser_stripe):
    offer = bookable_offer(hours="00:00-24:00", notice=1, travel=30)
    instructor_set_service_area(
        instructor=offer.instructor, neighborhood_slugs=[], base_address="Park Slope", travel_radius_m=2000
    )
    learner = student(full_name="Hana Home")
    log_in(phone_page, live_url, learner)
    phone_page.goto(f"{live_url}/settings/")
    phone_page.get_by_label("Name of the place").fill("Home")
    phone_page.get_by_label(re.compile(r"^Address")).fill("Atlantis Blvd 1")
    phone_page.get_by_role("button", name="Save address").click()
    expect(phone_page.get_by_text("We couldn't find that address.")).to_be_visible()
    assert SavedAddress.objects.count() == 0
    phone_page.get_by_label(re.compile(r"^Address")).fill("200 Eastern Parkway")
    phone_page.get_by_role("button", name="Save address").click()
    expect(phone_page.get_by_text("Saved “Home”: 200 Eastern Pkwy, Brooklyn.")).to_be_visible()
    phone_page.get_by_label("Name of the place").fill("Office")
    phone_page.get_by_label(re.compile(r"^Address")).fill("350 5th Avenue")
    phone_page.get_by_role("button", name="Save address").click()
    expect(phone_page.get_by_text("Office: 350 5th Ave, Manhattan")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375

    log_in(page, live_url, learner)
    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/book/")
    page.get_by_label("Duration").select_option("60")
    page.get_by_label("Where").select_option(label="At the student's place")
    day = (timezone.now().astimezone(learner.zone) + timedelta(days=2)).date()
    page.get_by_label("From").fill(day.isoformat())
    page.get_by_role("button", name="Show times").click()
    page.get_by_role("link", name="11:00").first.click()
    # The office is outside the instructor's area: a clear message, nothing booked.
    page.get_by_label("Your address").select_option(label="Office: 350 5th Ave, Manhattan")
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.get_by_text("This instructor does not travel to that address.")).to_be_visible()
    assert Booking.objects.count() == 0
    page.get_by_label("Your address").select_option(label="Home: 200 Eastern Pkwy, Brooklyn")
    page.get_by_label("Directions or details").fill("Buzz 4B")
    page.get_by_role("button", name="Confirm and book").click()
    pay_in_checkout(page)
    expect(page.get_by_text(re.compile(r"At the student's place · 200 Eastern Pkwy, Brooklyn"))).to_be_visible()
    booking = Booking.objects.get()
    assert (booking.location_address, booking.location_details) == ("200 Eastern Pkwy, Brooklyn", "Buzz 4B")

    # Removing an address on the settings page.
    phone_page.get_by_role("button", name="Remove Office").click()
    expect(phone_page.get_by_text("The address was removed.")).to_be_visible()
    assert list(SavedAddress.objects.values_list("label", flat=True)) == ["Home"]
