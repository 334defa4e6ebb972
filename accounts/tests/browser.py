"""Browser helpers shared by apps' Playwright tests."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.tests.factories import PASSWORD
from accounts.tests.totp import totp_code


def staff_logs_in_with_totp(page, live_url, person) -> None:
    """Activates TOTP for staff member `person` and logs in on `page` with password and code."""
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.get_by_label(re.compile("code", re.I)).fill(totp_code(secret))
    page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
