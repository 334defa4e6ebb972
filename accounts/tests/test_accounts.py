import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory, instructor_user, staff, student
from accounts.tests.totp import totp_code
from instainstru.core.ids import new_public_id

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "full_name": "Nina Newcomer",
        "email": "nina@example.com",
        "password1": "violet-harbor-1187",
        "password2": "violet-harbor-1187",
        "role": "student",
        "timezone": "Europe/London",
    }
    data.update(overrides)
    return data


def test_signup_creates_student_with_timezone_and_sends_verification(client):
    from notifications.models import OutboundMessage

    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="nina@example.com")
    assert user.full_name == "Nina Newcomer"
    assert user.timezone == "Europe/London"
    assert user.is_student and not user.is_instructor
    assert user.check_password("violet-harbor-1187") and "violet-harbor-1187" not in user.password
    mail = OutboundMessage.objects.get(to="nina@example.com")
    assert "/accounts/confirm-email/" in mail.body


def test_signup_as_instructor_grants_both_roles(client):
    client.post(reverse("account_signup"), signup_data(role="instructor"))
    user = User.objects.get(email="nina@example.com")
    assert user.is_instructor and user.is_student


def test_signup_with_used_address_is_refused_and_creates_nothing(client):
    UserFactory(email="taken@example.com")
    before = User.objects.count()
    response = client.post(reverse("account_signup"), signup_data(email="taken@example.com"))
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert User.objects.count() == before


def test_signup_with_weak_password_is_refused_and_creates_nothing(client):
    response = client.post(reverse("account_signup"), signup_data(password1="password", password2="password"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "too common" in body or "too short" in body
    assert not User.objects.filter(email="nina@example.com").exists()


def test_signup_with_unknown_timezone_is_refused(client):
    response = client.post(reverse("account_signup"), signup_data(timezone="Mars/Olympus"))
    assert response.status_code == 200
    assert not User.objects.filter(email="nina@example.com").exists()


def test_login_requires_verified_email(client):
    user = UserFactory(email="unverified@example.com", verified=False)
    user.emailaddress_set.update(verified=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_wrong_totp_code_does_not_log_in(client):
    user = student()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_staff_without_2fa_cannot_reach_admin(client):
    person = staff()
    client.force_login(person)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    # allauth first asks for the password again before 2FA set-up, then goes on to it.
    assert reverse("mfa_activate_totp") in unquote(response.redirect_chain[-1][0])
    assert "Staff need two-factor authentication" in response.content.decode()
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 302
    assert changelist["Location"].startswith(reverse("admin:login"))
    assert not Authenticator.objects.filter(user=person).exists()


def log_in_with_password(client, person):
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)


def test_staff_without_2fa_sets_it_up_then_confirms_a_code_and_reaches_the_admin(client):
    person = staff()
    log_in_with_password(client, person)
    response = client.get(reverse("admin:index"), follow=True)
    assert "Staff need two-factor authentication" in response.content.decode()
    # allauth asks for the password again before changing security settings.
    reauthenticate = f"{reverse('account_reauthenticate')}?next={reverse('mfa_activate_totp')}"
    assert unquote(response.redirect_chain[-1][0]) == reauthenticate
    response = client.post(reauthenticate, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")

    secret = response.context["form"].secret
    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    refused = client.post(reverse("mfa_activate_totp"), {"code": wrong})
    assert refused.status_code == 200 and "Incorrect code" in refused.content.decode()
    assert not Authenticator.objects.filter(user=person).exists()
    activated = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert activated.status_code == 302 and activated["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).count() == 1

    # This session was opened with the password alone: the admin asks for a code, once.
    response = client.get(reverse("admin:index"), follow=True)
    assert unquote(response.redirect_chain[-1][0]) == reverse("mfa_reauthenticate") + "?next=/admin/"
    assert "Enter a code from your authenticator app to use the admin." in response.content.decode()
    confirmed = client.post(
        reverse("mfa_reauthenticate") + "?next=/admin/", {"code": totp_code(secret, offset_periods=1)}
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_staff_with_2fa_but_a_password_only_session_is_asked_for_a_code_not_the_password(client):
    person = staff()
    log_in_with_password(client, person)  # before TOTP was set up: the session has no second factor
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    response = client.get(reverse("admin:accounts_user_changelist"), follow=True)
    next_url = reverse("admin:accounts_user_changelist")
    assert unquote(response.redirect_chain[-1][0]) == f"{reverse('mfa_reauthenticate')}?next={next_url}"

    # Confirming the password again is not a second factor: the admin still refuses.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(next_url).status_code == 302
    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    refused = client.post(f"{reverse('mfa_reauthenticate')}?next={next_url}", {"code": wrong})
    assert refused.status_code == 200 and "Incorrect code" in refused.content.decode()
    assert client.get(next_url).status_code == 302

    confirmed = client.post(f"{reverse('mfa_reauthenticate')}?next={next_url}", {"code": totp_code(secret)})
    assert confirmed.status_code == 302 and confirmed["Location"] == next_url
    assert client.get(next_url).status_code == 200


def test_staff_with_2fa_reaches_admin_after_code(client):
    person = staff()
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Operations" in response.content.decode()


def test_non_staff_with_2fa_cannot_reach_admin(client):
    person = student()
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=person).count() == 1


def test_settings_update_and_validation(client):
    user = student()
    client.force_login(user)
    response = client.post(reverse("account_settings"), {"full_name": "New Name", "timezone": "Europe/London"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.timezone) == ("New Name", "Europe/London")
    response = client.post(reverse("account_settings"), {"full_name": "", "timezone": "Nowhere/City"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.full_name, user.timezone) == ("New Name", "Europe/London")


def test_pages_need_login(client):
    for name in ("dashboard", "account_settings", "notification_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_public_ids_sort_by_time_and_are_unique():
    ids = [new_public_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(len(i) == 26 and i == i.lower() for i in ids)
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with time_machine.travel(start + timedelta(seconds=1), tick=False):
        later = UserFactory()
    with time_machine.travel(start, tick=False):
        earlier = UserFactory()  # made second, with an earlier clock
        same_millisecond = [new_public_id() for _ in range(50)]
    with time_machine.travel(start + timedelta(milliseconds=1), tick=False):
        next_millisecond = new_public_id()
    assert earlier.public_id < later.public_id
    assert [User.objects.get(pk=pk).public_id for pk in (earlier.pk, later.pk)] == sorted(
        [earlier.public_id, later.public_id]
    )
    # Within one millisecond the 80 random bits differ; the next millisecond sorts after them all.
    assert len(set(same_millisecond)) == 50 and {i[:10] for i in same_millisecond} == {earlier.public_id[:10]}
    assert max(same_millisecond) < next_millisecond


def test_passwords_are_hashed_with_argon2_by_the_real_settings():
    from instainstru.tests.processes import child_env

    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import make_password, check_password; "
        "encoded = make_password('violet-harbor-1187'); "
        "print(encoded.split('$')[:2], check_password('violet-harbor-1187', encoded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=child_env("instainstru.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['argon2', 'argon2id'] True"


def test_expired_sessions_are_purged_as_of_the_given_time():
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from accounts.services import sessions_purge_expired

    now = datetime(2026, 11, 1, 6, tzinfo=UTC)
    keys = {}
    for name, expires in (("expired", now - timedelta(seconds=1)), ("at_now", now), ("alive", now + timedelta(days=1))):
        store = SessionStore()
        store.create()
        Session.objects.filter(session_key=store.session_key).update(expire_date=expires)
        keys[name] = store.session_key
    assert sessions_purge_expired(now=now) == 1
    assert sessions_purge_expired(now=now) == 0
    assert set(Session.objects.values_list("session_key", flat=True)) == {keys["at_now"], keys["alive"]}


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # New York springs forward at 02:00 on 8 March 2026: an hour later on the clock is two.
        ("America/New_York", "Sun 8 Mar 2026, 1:30 AM EST", "Sun 8 Mar 2026, 3:30 AM EDT"),
        ("Europe/London", "Sun 8 Mar 2026, 6:30 AM GMT", "Sun 8 Mar 2026, 7:30 AM GMT"),
    ],
)
def test_pages_show_times_in_the_users_zone_across_a_dst_change(client, zone, before, after):
    from notifications.models import Notification

    user = student(timezone=zone)
    for title, at in (
        ("Before", datetime(2026, 3, 8, 6, 30, tzinfo=UTC)),
        ("After", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    ):
        note = Notification.objects.create(user=user, kind="test", title=title)
        Notification.objects.filter(pk=note.pk).update(created_at=at)
    client.force_login(user)
    html = client.get(reverse("notification_list")).content.decode()
    assert before in html and after in html
    # The zone was the request's alone: this thread is back to the site's default.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_roles():
    assert instructor_user().is_instructor
    assert not student().is_instructor


def test_api_me_requires_authentication_and_shows_only_self(client):
    assert client.get("/api/v1/me/").status_code == 403
    user = instructor_user()
    UserFactory(email="other@example.com")
    client.force_login(user)
    body = client.get("/api/v1/me/").json()
    assert body == {
        "id": user.public_id,
        "email": user.email,
        "full_name": user.full_name,
        "timezone": "America/New_York",
        "roles": ["student", "instructor"],
    }


def test_support_staff_can_view_but_not_delete_users():
    from django.contrib.auth.models import Group

    from accounts.roles import sync_roles

    sync_roles()
    sync_roles()
    person = UserFactory(roles=(), is_staff=True)
    person.groups.add(Group.objects.get(name="support"))
    person = User.objects.get(pk=person.pk)
    assert person.has_perm("accounts.view_user")
    assert person.has_perm("accounts.change_user")
    assert not person.has_perm("accounts.delete_user")
    assert not student().has_perm("accounts.view_user")
