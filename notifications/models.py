"""What we tell people: in-app notifications, and a record of every email and SMS sent.

Email and SMS cannot be delivered from these machines, so each goes through one small adapter
whose local implementation records the message here (visible in the admin); a real provider
plugs into the same adapter in production and still leaves this record.
"""

from django.conf import settings
from django.db import models

from instainstru.core.ids import PublicIdField


class OutboundMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    public_id = PublicIdField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=320, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.channel} to {self.to}: {self.subject or self.body[:40]}"


class Notification(models.Model):
    public_id = PublicIdField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title
