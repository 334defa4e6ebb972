"""Students' Stripe customers and saved cards. Card numbers never touch our server: Stripe.js
confirms a SetupIntent in the browser and we record the resulting PaymentMethod."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from payments import stripe_client
from payments.models import Payment, PaymentStatus, SavedCard, StripeCustomer
from payments.stripe_client import idempotency_key

# Payments that still need the card on file to be authorized.
WAITING_FOR_CARD = (PaymentStatus.CARD_SAVED, PaymentStatus.AUTHORIZATION_FAILED)


def customer_ensure(*, user, now: datetime) -> StripeCustomer:
    """The student's Stripe customer, created once (idempotent on the user's id)."""
    existing = StripeCustomer.objects.filter(user=user).first()
    if existing:
        return existing
    customer = stripe_client.call(
        "customers",
        "create",
        params={"email": user.email, "name": user.full_name, "metadata": {"user": user.public_id}},
        key=idempotency_key("customer", user.pk),
    )
    obj, _ = StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer.id, "created_at": now})
    return obj


# A SetupIntent in one of these can still be confirmed with a card.
OPEN_SETUP_STATUSES = ("requires_payment_method", "requires_confirmation", "requires_action")


def card_setup_start(*, user, now: datetime) -> str:
    """The client secret of a SetupIntent for the saved-cards page (Stripe.js confirms it): the
    customer's open one while it can still be used, else a new one. The new one's key is made
    from the customer and the intent it replaces, so page loads at the same moment make one."""
    customer = customer_ensure(user=user, now=now)
    if customer.setup_intent_id:
        intent = stripe_client.call("setup_intents", "retrieve", customer.setup_intent_id)
        if intent.status in OPEN_SETUP_STATUSES:
            return intent.client_secret
    intent = stripe_client.call(
        "setup_intents",
        "create",
        params={"customer": customer.customer_id, "usage": "off_session", "payment_method_types": ["card"]},
        key=idempotency_key("customer", customer.pk, "card-setup", customer.setup_intent_id or "first"),
    )
    StripeCustomer.objects.filter(pk=customer.pk).update(setup_intent_id=intent.id)
    return intent.client_secret


def card_record(*, user, payment_method_id: str, now: datetime) -> SavedCard:
    """Records a card Stripe.js attached to the user's customer. Refuses a card that belongs to
    someone else. The first card becomes the default. Idempotent."""
    customer = customer_ensure(user=user, now=now)
    existing = SavedCard.objects.filter(payment_method_id=payment_method_id).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise PermissionDenied("That card belongs to another account.")
        return existing
    method = stripe_client.call("payment_methods", "retrieve", payment_method_id)
    if method.customer != customer.customer_id:
        raise ValidationError("That card was not saved to your account. Please add it again.")
    card = method.card
    with transaction.atomic():
        _lock_cards_of(customer)
        first = not SavedCard.objects.filter(user=user).exists()
        saved = SavedCard.objects.create(
            user=user,
            payment_method_id=method.id,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            is_default=first,
            created_at=now,
        )
    if first:
        _set_customer_default(customer, method.id)
    return saved


def _lock_cards_of(customer: StripeCustomer) -> None:
    """Serialises changes to one student's cards (inside the caller's transaction): the row lock
    is on their customer, which exists before their first card."""
    StripeCustomer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).get()


def _set_customer_default(customer: StripeCustomer, payment_method_id: str) -> None:
    """Tells Stripe the customer's default card. Each change has its own key (a counter on the
    customer), so switching back to an earlier card is a new request, not a replay."""
    StripeCustomer.objects.filter(pk=customer.pk).update(default_changes=F("default_changes") + 1)
    change = StripeCustomer.objects.values_list("default_changes", flat=True).get(pk=customer.pk)
    stripe_client.call(
        "customers",
        "update",
        customer.customer_id,
        params={"invoice_settings": {"default_payment_method": payment_method_id}},
        key=idempotency_key("customer", customer.pk, "default", change),
    )


def card_set_default(*, user, card: SavedCard, now: datetime) -> SavedCard:
    """Makes `card` the default; upcoming payments that still wait for authorization move to it."""
    if card.user_id != user.pk:
        raise PermissionDenied("That card belongs to another account.")
    customer = customer_ensure(user=user, now=now)
    _set_customer_default(customer, card.payment_method_id)
    with transaction.atomic():
        _lock_cards_of(customer)
        SavedCard.objects.filter(user=user, is_default=True).exclude(pk=card.pk).update(is_default=False)
        SavedCard.objects.filter(pk=card.pk).update(is_default=True)
        Payment.objects.filter(student=user, status__in=WAITING_FOR_CARD).update(
            payment_method_id=card.payment_method_id
        )
    card.is_default = True
    return card


def card_remove(*, user, card: SavedCard, now: datetime) -> None:
    """Detaches a card. Refused while upcoming bookings depend on it (set another default first)."""
    if card.user_id != user.pk:
        raise PermissionDenied("That card belongs to another account.")
    if Payment.objects.filter(
        student=user, status__in=WAITING_FOR_CARD, payment_method_id=card.payment_method_id
    ).exists():
        raise ValidationError(
            "Upcoming lessons will be charged to this card. Set another card as default before removing it."
        )
    stripe_client.call(
        "payment_methods", "detach", card.payment_method_id, key=idempotency_key("card", card.pk, "detach")
    )
    with transaction.atomic():
        was_default = card.is_default
        SavedCard.objects.filter(pk=card.pk).delete()
        if was_default:
            successor = SavedCard.objects.filter(user=user).order_by("created_at").first()
            if successor:
                SavedCard.objects.filter(pk=successor.pk).update(is_default=True)
                transaction.on_commit(
                    lambda: _set_customer_default(StripeCustomer.objects.get(user=user), successor.payment_method_id)
                )


def default_card(user) -> SavedCard | None:
    return SavedCard.objects.filter(user=user, is_default=True).first()
