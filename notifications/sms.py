"""SMS goes through this one adapter. Locally it records the text; a provider (e.g. Twilio)
implements the same `send(to, body)` and is selected with the SMS_ADAPTER setting."""

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.models import OutboundMessage


class RecordingSmsAdapter:
    def send(self, *, to: str, body: str) -> None:
        OutboundMessage.objects.create(channel=OutboundMessage.Channel.SMS, to=to, body=body)


def get_sms_adapter():
    return import_string(settings.SMS_ADAPTER)()
