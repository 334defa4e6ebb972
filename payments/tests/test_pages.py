"""Payment pages without a browser: who may see and change what."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import student
from payments.models import SavedCard
from payments.tests.helpers import at, book_and_pay, instructor_offer

pytestmark = pytest.mark.django_db


def test_someone_elses_card_cannot_be_removed_or_made_default(client, local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, _ = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now)
    card = booking.student.saved_cards.get()
    client.force_login(student())
    assert client.post(reverse("payments_card_remove", args=[card.public_id])).status_code == 404
    assert client.post(reverse("payments_card_default", args=[card.public_id])).status_code == 404
    assert SavedCard.objects.filter(pk=card.pk, is_default=True).count() == 1


def test_a_card_upcoming_lessons_depend_on_is_not_removed(client, local_stripe, now):
    from payments import stripe_client

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now)
    card = booking.student.saved_cards.get()
    client.force_login(booking.student)
    response = client.post(reverse("payments_card_remove", args=[card.public_id]), follow=True)
    assert "Upcoming lessons will be charged to this card." in response.content.decode()
    assert SavedCard.objects.filter(pk=card.pk).exists()
    assert stripe_client.call("payment_methods", "retrieve", card.payment_method_id).customer is not None
