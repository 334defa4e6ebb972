"""`/payments/webhooks/stripe/`: verify the signature, store and handle the event, answer fast."""

import json

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.models import WebhookEvent
from payments.services.webhooks import webhook_event_receive


@csrf_exempt  # Stripe cannot send our CSRF token; the signature authenticates the sender.
@require_POST
def stripe_webhook(request):
    payload = request.body.decode("utf-8", errors="replace")
    header = request.headers.get("Stripe-Signature", "")
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return HttpResponseBadRequest("Webhooks are not configured.")
    tolerance = getattr(settings, "STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300) or None
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=tolerance)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError):
        return HttpResponseBadRequest("Invalid signature.")
    if not isinstance(event, dict) or not {"id", "type", "data"} <= event.keys():
        return HttpResponseBadRequest("Not a Stripe event.")
    stored = webhook_event_receive(event=event, now=timezone.now())
    if stored.status == WebhookEvent.Status.FAILED:
        return HttpResponse("Handler failed; retry later.", status=500)
    return HttpResponse("ok")
