"""Students' payment pages: saved cards, checkout inside the booking flow, fixing a card, tips."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.models import Booking
from payments import services
from payments.exports import csv_response, csv_safe, dollars_cell
from payments.models import Payment, SavedCard
from payments.pricing import dollars_text
from payments.selectors import checkout_explanation, student_billing_rows, student_credits
from payments.services.cards import WAITING_FOR_CARD
from payments.stripe_client import ProviderUnavailable

MOVES = ("card", "hold", "credit")  # the billing CSV's charged, held and credit columns


def _stripe_context():
    return {"stripe_js_url": settings.STRIPE_JS_URL, "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY}


@login_required
@require_http_methods(["GET", "POST"])
def cards(request):
    """List, add (Stripe.js confirms a SetupIntent; we record the card), set default, remove.
    After adding a card, `next` (a path on this site) takes the student back where they came from."""
    now = timezone.now()
    back_to = _back_to(request)
    if request.method == "POST":
        try:
            card = services.card_record(
                user=request.user, payment_method_id=request.POST.get("payment_method", ""), now=now
            )
        except (ValidationError, PermissionDenied, ProviderUnavailable) as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, f"Saved {card.label}.")
            if back_to:
                return redirect(back_to)
        return redirect(reverse("payments_cards") + (f"?{urlencode({'next': back_to})}" if back_to else ""))
    try:
        client_secret = services.card_setup_start(user=request.user, now=now)
    except ProviderUnavailable as error:
        client_secret = ""
        messages.error(request, str(error))
    return render(
        request,
        "payments/cards.html",
        {
            "cards": SavedCard.objects.filter(user=request.user),
            "client_secret": client_secret,
            "next": back_to,
            **_stripe_context(),
        },
    )


def _back_to(request) -> str:
    """Where to return after saving a card (the fix-card page links here): a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _own_card(request, public_id) -> SavedCard:
    card = get_object_or_404(SavedCard, public_id=public_id)
    if card.user_id != request.user.pk:
        raise Http404  # someone else's card does not exist for you
    return card


@login_required
@require_POST
def card_make_default(request, public_id):
    card = _own_card(request, public_id)
    try:
        services.card_set_default(user=request.user, card=card, now=timezone.now())
        messages.success(request, f"{card.label} is now your default card.")
    except (ValidationError, ProviderUnavailable) as error:
        messages.error(request, _message(error))
    return redirect("payments_cards")


@login_required
@require_POST
def card_delete(request, public_id):
    card = _own_card(request, public_id)
    try:
        services.card_remove(user=request.user, card=card, now=timezone.now())
        messages.success(request, f"Removed {card.label}.")
    except (ValidationError, ProviderUnavailable) as error:
        messages.error(request, _message(error))
    return redirect("payments_cards")


def _own_booking(request, public_id) -> Booking:
    booking = get_object_or_404(Booking.objects.select_related("instructor__user"), public_id=public_id)
    if booking.student_id != request.user.pk:
        raise Http404
    return booking


@login_required
@require_GET
def checkout(request, public_id):
    """The payment step of the booking flow. Explains when the card is authorized and charged and
    the cancellation policy, with concrete times in the student's zone."""
    booking = _own_booking(request, public_id)
    now = timezone.now()
    try:
        step = services.checkout_prepare(booking=booking, user=request.user, now=now)
    except (ValidationError, ProviderUnavailable) as error:
        messages.error(request, _message(error))
        return redirect("booking_detail", public_id=booking.public_id)
    zone = request.user.zone
    context = {
        "booking": booking,
        "payment": step.payment,
        "intent_kind": step.intent_kind,
        "client_secret": step.client_secret,
        "zone": zone,
        "local_start": booking.lesson_starts_at.astimezone(zone),
        "is_request": booking.terms.get("booking_mode") == "request",
        "explain": checkout_explanation(
            booking=booking, payment=step.payment, intent_kind=step.intent_kind, zone=zone, now=now
        ),
        "saved_cards": SavedCard.objects.filter(user=request.user),
        **_stripe_context(),
    }
    return render(request, "payments/checkout.html", context)


@login_required
@require_POST
def checkout_done(request, public_id):
    booking = _own_booking(request, public_id)
    try:
        services.checkout_finish(booking=booking, user=request.user, now=timezone.now())
    except (services.PaymentNotConfirmed, ProviderUnavailable) as error:
        # Nothing changed: the hold stands, back to the payment step.
        messages.error(request, _message(error))
        return redirect("payments_checkout", public_id=booking.public_id)
    except ValidationError as error:
        # No booking: the time was released; back to picking a time.
        messages.error(request, _message(error))
        return redirect("booking_start", public_id=booking.instructor.public_id)
    return redirect("booking_detail", public_id=booking.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def fix_card(request, public_id):
    """Linked from the failed-authorization email: pick a saved card (or add one and come back)
    and authorize again. Once the payment is authorized or the lesson cancelled, the page says so."""
    payment = get_object_or_404(Payment.objects.select_related("booking"), public_id=public_id)
    if payment.student_id != request.user.pk:
        raise Http404
    waiting = payment.status in WAITING_FOR_CARD
    if request.method == "POST" and waiting:
        card = SavedCard.objects.filter(user=request.user, public_id=request.POST.get("card", "")).first()
        if card is None:
            messages.error(request, "Choose a card, or add one.")
            return redirect("payments_fix_card", public_id=payment.public_id)
        try:
            payment = services.payment_authorize_now(
                payment=payment, user=request.user, payment_method_id=card.payment_method_id, now=timezone.now()
            )
        except ProviderUnavailable as error:
            messages.error(request, str(error))
        else:
            if payment.status == "authorized":
                messages.success(request, "Your card was authorized. The lesson is on.")
                return redirect("booking_detail", public_id=payment.booking.public_id)
            messages.error(request, f"That card was declined too: {payment.last_error}")
        return redirect("payments_fix_card", public_id=payment.public_id)
    if request.method == "POST":  # already authorized or cancelled: nothing to do
        return redirect("payments_fix_card", public_id=payment.public_id)
    return render(
        request,
        "payments/fix_card.html",
        {
            "payment": payment,
            "waiting": waiting,
            "saved_cards": SavedCard.objects.filter(user=request.user),
            "add_card_url": reverse("payments_cards") + "?" + urlencode({"next": request.path}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tip(request, public_id):
    """A tip after a completed lesson, charged to one of the student's saved cards."""
    booking = _own_booking(request, public_id)
    now = timezone.now()
    error, amount = "", ""
    if request.method == "POST":
        amount = request.POST.get("amount", "")
        card = SavedCard.objects.filter(user=request.user, public_id=request.POST.get("card", "")).first()
        try:
            payment = services.tip_create(
                booking=booking,
                student=request.user,
                amount_cents=services.dollars_to_cents(amount),
                now=now,
                idempotency_key=request.POST.get("key", ""),
                card=card,
            )
        except ValidationError as problem:
            error = _message(problem)
        except ProviderUnavailable as problem:
            error = str(problem)
        else:
            instructor = booking.instructor.user.full_name
            messages.success(
                request, f"Thank you! Your {dollars_text(payment.captured_cents)} tip goes to {instructor}."
            )
            return redirect("booking_detail", public_id=booking.public_id)
    elif not services.tip_allowed(booking=booking, student=request.user):
        messages.error(request, "You can leave one tip after a completed lesson.")
        return redirect("booking_detail", public_id=booking.public_id)
    return render(
        request,
        "payments/tip.html",
        {
            "booking": booking,
            "local_start": booking.lesson_starts_at.astimezone(request.user.zone),
            "saved_cards": SavedCard.objects.filter(user=request.user),
            "key": request.POST.get("key") or secrets.token_urlsafe(24),
            "amount": amount,
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_GET
def billing(request):
    """The student's billing history: every charge, refund, credit and tip; credit balance."""
    now = timezone.now()
    rows = student_billing_rows(student=request.user)
    if request.GET.get("format") == "csv":
        # One signed column per thing that moves: summing `charged_usd` gives what the card paid
        # in the end; holds and credit are not money taken from the card.
        zone = request.user.zone
        return csv_response(
            "instainstru-billing.csv",
            ["date", "time_zone", "what", "lesson", "charged_usd", "held_usd", "credit_usd", "reference"],
            (
                [
                    row["entry"].occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    zone.key,
                    row["label"],
                    csv_safe(row["what"]),
                    *(dollars_cell(row["signed_cents"] if row["moves"] == moves else None) for moves in MOVES),
                    row["entry"].provider_id,
                ]
                for row in rows
            ),
        )
    credits = student_credits(student=request.user, now=now)
    return render(
        request,
        "payments/billing.html",
        {
            "rows": rows,
            "credits": credits,
            "credit_total_cents": sum(credit.remaining_cents for credit in credits),
            "zone": request.user.zone,
        },
    )


@login_required
@require_GET
def receipt(request, public_id):
    payment = get_object_or_404(
        Payment.objects.select_related("booking__instructor__user", "student"), public_id=public_id
    )
    if payment.student_id != request.user.pk or not payment.captured_cents:
        raise Http404
    card = SavedCard.objects.filter(payment_method_id=payment.payment_method_id).first()
    return render(
        request,
        "payments/receipt.html",
        {"payment": payment, "booking": payment.booking, "card": card, "zone": request.user.zone},
    )
