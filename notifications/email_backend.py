"""The local email adapter: records each message instead of delivering it."""

from django.core.mail.backends.base import BaseEmailBackend

from notifications.models import OutboundMessage


class RecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            html = ""
            for alternative in getattr(message, "alternatives", []):
                content, mimetype = alternative[0], alternative[1]
                if mimetype == "text/html":
                    html = content
            attachments = [
                {"filename": a[0], "mimetype": a[2], "size": len(a[1])}
                for a in message.attachments
                if isinstance(a, tuple) or hasattr(a, "filename")
            ]
            for recipient in message.recipients():
                OutboundMessage.objects.create(
                    channel=OutboundMessage.Channel.EMAIL,
                    to=recipient,
                    subject=message.subject,
                    body=message.body,
                    html_body=html,
                    attachments=attachments,
                )
            sent += 1
        return sent
