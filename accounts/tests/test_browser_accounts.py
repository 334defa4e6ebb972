"""The foundation's acceptance journey, driven in Chromium like a person would."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.totp import totp_code
from notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD_LABEL = re.compile(r"^Password:?$")


def test_student_signs_up_verifies_enables_totp_and_logs_in_with_a_code(page, live_url):
    page.goto(live_url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Full name").fill("Priya Parent")
    page.get_by_label("Email").fill("priya@example.com")
    page.get_by_label(PASSWORD_LABEL).fill("lantern-meadow-5521")
    page.get_by_label("Password (again)").fill("lantern-meadow-5521")
    page.get_by_label("Learn (student or parent)").check()
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    mail = OutboundMessage.objects.get(to="priya@example.com")
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_label("Email").fill("priya@example.com")
    page.get_by_label(PASSWORD_LABEL).fill("lantern-meadow-5521")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Hello, Priya")).to_be_visible()

    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("link", name="Activate").click()
    if page.get_by_role("heading", name="Confirm Access").is_visible():
        # allauth asks for the password again before changing security settings.
        page.get_by_label(PASSWORD_LABEL).fill("lantern-meadow-5521")
        page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()

    page.get_by_role("button", name="Log out").first.click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("priya@example.com")
    page.get_by_label(PASSWORD_LABEL).fill("lantern-meadow-5521")
    page.get_by_role("button", name="Sign In").click()
    # The code just used is spent; the app accepts the next period's code (tolerance 1).
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label(re.compile(r"^Code:?$")).fill(totp_code(secret, offset_periods=1))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Hello, Priya")).to_be_visible()
    expect(page.get_by_label("Signed in as")).to_have_text("Priya Parent")
    assert User.objects.get(email="priya@example.com").is_student


def test_signup_with_taken_email_shows_message_on_phone(phone_page, live_url):
    from accounts.tests.factories import UserFactory

    UserFactory(email="taken@example.com")
    page = phone_page
    page.goto(live_url + "/accounts/signup/")
    page.get_by_label("Full name").fill("Second Person")
    page.get_by_label("Email").fill("taken@example.com")
    page.get_by_label(PASSWORD_LABEL).fill("lantern-meadow-5521")
    page.get_by_label("Password (again)").fill("lantern-meadow-5521")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_text("A user is already registered with this email address.")).to_be_visible()
    assert User.objects.filter(email="taken@example.com").count() == 1
    # Nothing overflows sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_phone_menu_and_notifications_page(phone_page, live_url):
    from accounts.tests.factories import PASSWORD, student
    from notifications.models import Notification

    user = student(full_name="Mia Mobile")
    Notification.objects.create(user=user, kind="test", title="Welcome to InstaInstru", body="Find your first lesson.")
    page = phone_page
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Hello, Mia")).to_be_visible()
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("Welcome to InstaInstru")).to_be_visible()
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    assert Notification.objects.get(user=user).read_at is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_forgotten_password_is_reset_from_the_emailed_link_on_a_phone(phone_page, live_url):
    from accounts.tests.factories import student

    user = student(full_name="Rita Reset")
    page = phone_page
    page.goto(live_url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_text("We have sent you an email.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    mail = OutboundMessage.objects.get(to=user.email, subject__contains="Password Reset")
    page.goto(re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.body).group(0))
    page.get_by_label(re.compile(r"^New Password:?$")).fill("quiet-orchard-7741")
    page.get_by_label(re.compile(r"^New Password \(again\):?$")).fill("quiet-orchard-7741")
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(PASSWORD_LABEL).fill("quiet-orchard-7741")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Hello, Rita")).to_be_visible()
