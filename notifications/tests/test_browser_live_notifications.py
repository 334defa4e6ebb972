"""A new notification appears on the page a person has open, pushed over the websocket (the
page is served by daphne, as `make run` serves it; the WSGI live server has no websockets)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, student
from notifications.models import Notification
from notifications.services import notification_create

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, server, user) -> None:
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=f"Hello, {user.first_name}")).to_be_visible()
    # The page's socket is open (and subscribed) before anything is pushed to it.
    expect(page.locator("#live-notifications")).to_have_attribute("data-state", "live")


def notify(user, **fields) -> Notification:
    """Creates a notification as a service does, on another thread: the push after commit
    (async_to_sync) cannot run on this one, where Playwright's event loop runs."""

    def create():
        try:
            with transaction.atomic():
                return notification_create(user=user, kind="booking.confirmed", **fields)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(create).result()


def test_a_new_notification_shows_on_the_open_page_and_links_to_it(page, asgi_server):
    user = student(full_name="Lena Live")
    other = student()
    log_in(page, asgi_server, user)
    notify(other, title="Someone else's lesson", url="/notifications/")
    notify(user, title="Your piano lesson is confirmed", body="Saturday 10:00 with Sam.", url="/notifications/")

    live = page.get_by_role("log", name="New notifications")
    expect(live.get_by_role("link", name="Your piano lesson is confirmed")).to_be_visible()
    expect(live.get_by_text("Saturday 10:00 with Sam.")).to_be_visible()
    expect(live.get_by_text("Someone else's lesson")).to_have_count(0)
    live.get_by_role("link", name="Your piano lesson is confirmed").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Your piano lesson is confirmed")).to_be_visible()


def test_on_a_phone_the_notification_fits_and_can_be_dismissed(phone_page, asgi_server):
    user = student(full_name="Pia Phone")
    page = phone_page
    log_in(page, asgi_server, user)
    notify(user, title="Your lesson on Saturday 12 June was moved to 11:30 by your instructor", url="/notifications/")

    live = page.get_by_role("log", name="New notifications")
    notice = live.get_by_role("link", name=re.compile("was moved to 11:30"))
    expect(notice).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    live.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)
    assert Notification.objects.get(user=user).read_at is None  # dismissing the toast keeps it unread
