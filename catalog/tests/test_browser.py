"""Acceptance in Chromium: sign up, onboard, staff approval, go live, a guest finds the profile."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, staff
from accounts.tests.totp import totp_code
from catalog.tests.factories import live_instructor
from notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)


def _photo(tmp_path):
    path = tmp_path / "portrait.png"
    Image.new("RGB", (640, 480), (40, 120, 200)).save(path)
    return str(path)


def test_instructor_onboards_staff_approves_and_guest_finds_them(
    live_url, nyc, tmp_path, page, browser, browser_stripe
):
    page.goto(live_url + "/accounts/signup/")
    page.get_by_label("Full name").fill("Olivia Organist")
    page.get_by_label("Email").fill("olivia@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("violet-harbor-1187")
    page.get_by_label("Password (again)").fill("violet-harbor-1187")
    page.get_by_label("Teach (instructor)").check()
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    body = OutboundMessage.objects.get(to="olivia@example.com").body
    page.goto(live_url + re.search(r"/accounts/confirm-email/[^/\s]+/", body).group(0))
    page.get_by_role("button", name="Confirm").click()
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill("olivia@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("violet-harbor-1187")
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()

    page.get_by_role("link", name="Teaching profile").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    page.get_by_role("link", name="Next: Profile and photo").click()
    page.get_by_label("Headline").fill("Warm, patient piano teacher")
    page.get_by_label("About you").fill("I teach piano to curious kids and adults: classical, pop and jazz. " * 2)
    page.get_by_label("Years of teaching experience").fill("9")
    page.get_by_label("Languages you teach in").fill("English, Italian")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    page.get_by_label("Profile photo").set_input_files(_photo(tmp_path))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("Your photo was saved.")).to_be_visible()

    page.get_by_role("link", name="Next: Skills and pricing").click()
    page.get_by_label("Service").select_option(label="Piano")
    page.get_by_label("Kids").check()
    page.get_by_label("Adults").check()
    page.get_by_label("Beginner").check()
    page.get_by_label("At the student's place").check()
    page.get_by_label("Price for 30 minutes ($)").fill("35")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_text("must cost at least $40 ($80 per hour)")).to_be_visible()
    page.get_by_label("Price for 30 minutes ($)").fill("50")
    page.get_by_label("Price for 60 minutes ($)").fill("95")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_text("Piano was saved.")).to_be_visible()

    page.get_by_role("link", name="Next: Service area and location types").click()
    page.get_by_label("Park Slope").check()
    page.get_by_label("Address you travel from (private)").fill("200 Eastern Parkway, Brooklyn")
    page.get_by_label("How far you travel from there (km)").fill("2")
    page.get_by_role("button", name="Save service area").click()
    expect(page.get_by_text("Your service area was saved.")).to_be_visible()
    expect(page.locator("svg.area-map")).to_be_visible()

    page.get_by_role("link", name="Next: Verification").click()
    page.get_by_role("button", name="Start verification").click()
    expect(page.get_by_text("waiting for review")).to_be_visible()

    # Staff approve in the admin (2FA log-in).
    reviewer = staff(email="reviewer@example.com")
    secret = generate_totp_secret()
    TOTP.activate(reviewer, secret)
    staff_context = browser.new_context()
    admin = staff_context.new_page()
    admin.goto(live_url + "/accounts/login/")
    admin.get_by_label("Email").fill("reviewer@example.com")
    admin.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    admin.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    admin.get_by_label(re.compile("code", re.I)).fill(totp_code(secret))
    admin.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
    admin.goto(live_url + "/admin/catalog/verificationrequest/")
    admin.get_by_role("link", name=re.compile("Olivia Organist")).click()
    admin.get_by_label("Decision").select_option("approve")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_role("cell", name="Approved", exact=True)).to_be_visible()
    staff_context.close()

    # Payouts: Stripe Connect Express onboarding on the local Stripe server's page, then back.
    page.get_by_role("link", name="Payouts").first.click()
    page.get_by_role("button", name="Set up payouts").click()
    page.get_by_role("button", name="Complete onboarding").click()
    expect(page.get_by_text("Payouts are set up. You can be paid.").first).to_be_visible()
    expect(page.get_by_text("Payouts: ready.")).to_be_visible()

    page.get_by_role("link", name="Go live").first.click()
    page.get_by_role("button", name="Go live").click()
    expect(page.get_by_text("You are live!")).to_be_visible()

    guest = browser.new_context().new_page()
    guest.goto(live_url + "/")
    guest.get_by_role("link", name="Music").click()
    guest.get_by_role("link", name="Piano").click()
    guest.get_by_role("link", name="Olivia Organist").click()
    expect(guest.get_by_role("heading", name="Olivia Organist")).to_be_visible()
    expect(guest.get_by_text("30 minutes: $50 per lesson")).to_be_visible()
    expect(guest.get_by_role("link", name="Book a lesson").first).to_be_visible()
    assert "200 Eastern" not in guest.content()


def test_category_and_profile_work_at_phone_width(live_url, nyc, phone_page):
    from catalog.models import Service

    offer = live_instructor(service=Service.objects.get(slug="piano"))
    for path in ("/categories/music/?service=piano", offer.instructor.get_absolute_url()):
        phone_page.goto(live_url + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, path
    expect(phone_page.get_by_role("link", name="Book a lesson").first).to_be_visible()
    expect(phone_page.get_by_text("Reading music, technique and pieces you love").first).to_be_visible()


def test_category_icons_are_drawn_from_the_sprite(live_url, nyc, page):
    page.goto(live_url + "/categories/music/")
    expect(page.get_by_role("heading", name="Music", exact=True)).to_be_visible()
    # The <use> resolves to the sprite's symbol: it has a drawn size once the sprite loaded.
    page.wait_for_function("document.querySelector('h1 .category-icon use').getBBox().width > 10")
    page.get_by_role("navigation", name="Other categories").get_by_role("link", name="Languages").click()
    expect(page.get_by_role("heading", name="Languages", exact=True)).to_be_visible()
    page.wait_for_function("document.querySelector('h1 .category-icon use').getBBox().width > 10")
