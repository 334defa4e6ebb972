"""Password reset by emailed link, and single-use recovery codes as a second factor."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, student
from notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quiet-orchard-7741"


def reset_link(email: str) -> str:
    mail = OutboundMessage.objects.get(to=email, subject__contains="Password Reset")
    return re.search(r"http://\S+(/accounts/password/reset/key/\S+/)", mail.body).group(1)


def logs_in(client, email: str, password: str) -> bool:
    client.logout()
    client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session


def test_a_reset_link_sets_a_new_password_once(client):
    person = student()
    response = client.post(reverse("account_reset_password"), {"email": person.email})
    assert response.status_code == 302 and response["Location"] == reverse("account_reset_password_done")
    link = reset_link(person.email)

    page = client.get(link, follow=True)  # allauth moves the key into the session, then shows the form
    assert page.status_code == 200 and "Change Password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    weak = client.post(form_url, {"password1": "password", "password2": "password"})
    assert weak.status_code == 200 and "This password is too common." in weak.content.decode()
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("account_reset_password_from_key_done")

    assert logs_in(client, person.email, NEW_PASSWORD)
    assert not logs_in(client, person.email, PASSWORD)
    # The link is spent: following it again changes nothing.
    again = client.get(link, follow=True)
    assert "Bad Token" in again.content.decode()
    assert User.objects.get(pk=person.pk).check_password(NEW_PASSWORD)


def test_a_reset_for_an_unknown_address_says_so_and_sends_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 200
    assert "The email address is not assigned to any user account." in response.content.decode()
    assert OutboundMessage.objects.count() == 0


def test_a_recovery_code_logs_in_once(client):
    person = student()
    TOTP.activate(person, generate_totp_secret())
    codes = RecoveryCodes.activate(person).get_unused_codes()
    assert len(codes) == 10

    def log_in_with_code(code: str) -> bool:
        client.logout()
        client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        if "_auth_user_id" in client.session:
            return True
        assert "Incorrect code" in response.content.decode()
        return False

    assert log_in_with_code(codes[0])
    assert not log_in_with_code(codes[0])  # spent
    assert log_in_with_code(codes[1])
    assert codes[0] not in RecoveryCodes(person.authenticator_set.get(type="recovery_codes")).get_unused_codes()
