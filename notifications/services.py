"""Telling people things: in-app (pushed live over the websocket), email and SMS."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


def user_group_name(user_public_id: str) -> str:
    return f"user.{user_public_id}"


def _push(notification: Notification) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        user_group_name(notification.user.public_id),
        {
            "type": "notification.created",
            "id": notification.public_id,
            "title": notification.title,
            "body": notification.body,
            "url": notification.url,
        },
    )


def notification_create(*, user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Stores an in-app notification and pushes it to the user's open pages after commit."""
    notification = Notification.objects.create(user=user, kind=kind, title=title, body=body, url=url)
    transaction.on_commit(lambda: _push(notification))
    return notification


def notification_mark_read(*, user, public_id: str) -> bool:
    """Marks one of the user's own notifications read; another user's id changes nothing."""
    updated = Notification.objects.filter(user=user, public_id=public_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return bool(updated)


def email_send(*, to: str, subject: str, body: str, html_body: str = "", attachments=()) -> None:
    """Sends one email through the configured adapter (recorded locally)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    if html_body:
        message.attach_alternative(html_body, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
