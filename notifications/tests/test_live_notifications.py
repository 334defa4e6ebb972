"""Notifications pushed live over a real websocket: daphne on a loopback port, the session
cookie a log-in set, the Redis channel layer between this process and the server."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from accounts.tests.factories import student
from instainstru.tests.websocket import WebSocket
from notifications.models import Notification
from notifications.services import notification_create

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def connect(server, cookies=None, origin=None) -> WebSocket:
    url = server.url.replace("http://", "ws://") + "/ws/notifications/"
    return WebSocket(url, origin=origin or server.url, cookies=cookies)


def notify(user, title: str) -> Notification:
    with transaction.atomic():  # pushed when the transaction commits, as in every service
        return notification_create(user=user, kind="booking.confirmed", title=title, url="/notifications/")


def test_a_signed_in_socket_receives_its_own_notifications_only(asgi_server):
    owner, other = student(), student()
    owner_socket = connect(asgi_server, session_cookie(owner))
    other_socket = connect(asgi_server, session_cookie(other))
    try:
        assert owner_socket.accepted and other_socket.accepted
        mine = notify(owner, "Your lesson is confirmed")
        assert owner_socket.receive_json() == {
            "id": mine.public_id,
            "title": "Your lesson is confirmed",
            "body": "",
            "url": "/notifications/",
        }
        notify(other, "Your lesson was moved")
        # The other person's first message is their own: the owner's never reached them.
        assert other_socket.receive_json()["title"] == "Your lesson was moved"
    finally:
        owner_socket.close()
        other_socket.close()


def test_a_socket_without_a_valid_session_is_refused(asgi_server):
    person = student()
    assert connect(asgi_server).status == 403
    assert connect(asgi_server, {"sessionid": "not-a-session-key-at-all-0123456"}).status == 403

    signed_out = Client()
    signed_out.force_login(person)
    cookie = {"sessionid": signed_out.cookies["sessionid"].value}
    signed_out.logout()
    assert connect(asgi_server, cookie).status == 403

    deactivated = student()
    cookie = session_cookie(deactivated)
    get_user_model().objects.filter(pk=deactivated.pk).update(is_active=False)
    assert connect(asgi_server, cookie).status == 403


def test_a_page_on_another_site_cannot_open_the_socket(asgi_server):
    # The browser sends the cookie with any page's request; the Origin says whose page it is.
    socket = connect(asgi_server, session_cookie(student()), origin="https://evil.example")
    assert socket.status == 403
