"""Fixtures shared by every app's tests: the browser, real-service helpers, factories."""

import os

import pytest

# Shared fixtures of apps that others' tests need (payments: the local Stripe server).
pytest_plugins = ["payments.tests.fixtures"]


def pytest_collection_modifyitems(config, items):
    # Anything that drives a page is a browser test; `make test` runs those in a second
    # pytest process, after the rest.
    browser_items = [item for item in items if {"page", "phone_page"} & set(getattr(item, "fixturenames", ()))]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items:
        # Playwright's sync API keeps an event loop running in the test thread, so Django's
        # async-safety check would refuse the test's own ORM calls (NOTES.md).
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(django_db_setup, browser_type_launch_args):
    # Depending on django_db_setup creates the test database before Playwright starts its
    # event loop, inside which Django refuses synchronous database work.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "timezone_id": "America/New_York"}


@pytest.fixture
def live_url(live_server):
    return live_server.url


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _email_goes_through_our_adapter(settings):
    # pytest-django swaps in locmem; we test the project's own adapter, which records
    # every message in the database (and the admin).
    settings.EMAIL_BACKEND = "notifications.email_backend.RecordingEmailBackend"


@pytest.fixture
def staff_client(client, db):
    """A Django test client logged in as staff the real way: password, then a TOTP code."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.urls import reverse

    from accounts.tests.factories import PASSWORD, staff
    from accounts.tests.totp import totp_code

    person = staff()
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200
    client.staff_user = person
    return client


@pytest.fixture(scope="session")
def asgi_server(django_db_setup):
    """daphne serving the project (HTTP and websockets, as `make run` does) on a free loopback
    port, against the test database; `.url` is its address. For pages that use /ws/, which the
    WSGI `live_server` cannot serve. One per test session (it takes seconds to start); tests
    using it need `django_db(transaction=True)` so that it sees their rows."""
    from instainstru.tests.processes import Daphne

    server = Daphne()
    yield server
    server.stop()
