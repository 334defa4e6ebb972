"""The optional tip inside the review form: one submission publishes the review and charges the tip
to the student's default card on the local Stripe server (through the official SDK, no mocks).
A tip that cannot be charged refuses the whole form and stores nothing; a form sent twice charges
once and publishes one review."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from payments import stripe_client
from payments.models import LedgerEntry, Payment
from payments.services import card_record, card_set_default, tip_create
from payments.tests.fixtures import NOW
from payments.tests.helpers import completed_lesson
from reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_lesson(local_stripe):
    """A lesson paid by card ($90 lesson, so a tip can be $1.00 to $180.00), given and charged.
    Returns (booking, when) with the clocks (ours and the Stripe server's) a day after it."""
    booking, _, when = completed_lesson(local_stripe, now=NOW)
    with time_machine.travel(when, tick=False):
        yield booking, when


def review_url(booking) -> str:
    return reverse("review_create", args=[booking.public_id])


def form_key(html: str) -> str:
    return re.search(r'name="tip_key" value="([^"]+)"', html).group(1)


def tip_intents() -> list:
    intents = stripe_client.call("payment_intents", "list", params={"limit": 100}).data
    return [intent for intent in intents if intent.metadata.to_dict().get("kind") == "tip"]


def nothing_stored():
    assert Review.objects.count() == 0
    assert Payment.objects.filter(kind="tip").count() == 0
    assert LedgerEntry.objects.filter(kind="tip").count() == 0
    assert tip_intents() == []


def test_the_form_offers_the_tip_with_its_limits_and_the_default_card(client, paid_lesson):
    booking, _ = paid_lesson
    client.force_login(booking.student)
    html = client.get(review_url(booking)).content.decode()
    assert '<label for="id_tip_amount">Add a tip (optional, $1.00 to $180.00)</label>' in html
    card = booking.student.saved_cards.get(is_default=True)
    assert f"Your default card: {card.label}. Leave the tip empty to publish without one." in html
    assert len(form_key(html)) >= 24


def test_review_and_tip_in_one_submission(client, paid_lesson, django_capture_on_commit_callbacks):
    booking, when = paid_lesson
    client.force_login(booking.student)
    key = form_key(client.get(review_url(booking)).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(booking), {"stars": "5", "text": "Patient and clear", "tip_amount": "15", "tip_key": key}
        )
    assert (response.status_code, response["Location"]) == (302, f"/lessons/{booking.public_id}/")
    review = Review.objects.get()
    assert (review.booking_id, review.stars, review.text) == (booking.pk, 5, "Patient and clear")
    tip = Payment.objects.get(kind="tip")
    assert (tip.booking_id, tip.status, tip.captured_cents, tip.instructor_share_cents) == (
        booking.pk,
        "captured",
        1500,
        1500,
    )
    assert tip.request_key == key
    assert list(LedgerEntry.objects.filter(payment=tip).values_list("kind", "amount_cents")) == [
        ("tip", 1500),
        ("transfer", 1500),
    ]
    intent = stripe_client.call("payment_intents", "retrieve", tip.payment_intent_id)
    assert (intent.status, intent.amount, intent.amount_received, intent.customer) == (
        "succeeded",
        1500,
        1500,
        booking.student.stripe_customer.customer_id,
    )
    assert intent.payment_method == booking.student.saved_cards.get(is_default=True).payment_method_id
    page = client.get(response["Location"]).content.decode()
    name = booking.instructor.user.full_name
    assert f"Thank you! Your review is published and your $15.00 tip goes to {name}." in page
    assert "Your tip: $15.00. Thank you!" in page


def test_the_same_form_sent_twice_charges_once_and_publishes_one_review(client, paid_lesson):
    booking, _ = paid_lesson
    client.force_login(booking.student)
    key = form_key(client.get(review_url(booking)).content.decode())
    form = {"stars": "4", "text": "Good", "tip_amount": "12.50", "tip_key": key}
    assert client.post(review_url(booking), form).status_code == 302
    again = client.post(review_url(booking), form)
    assert again.status_code == 409
    assert "You have already reviewed this lesson." in again.content.decode()
    assert list(Review.objects.values_list("stars", flat=True)) == [4]
    assert list(Payment.objects.filter(kind="tip").values_list("captured_cents", flat=True)) == [1250]
    assert [intent.amount for intent in tip_intents()] == [1250]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("180.01", "A tip can be from $1.00 to $180.00."),
        ("500", "A tip can be from $1.00 to $180.00."),
        ("0.99", "A tip can be from $1.00 to $180.00."),
        ("lots", "Enter the tip in dollars, for example 10 or 12.50."),
    ],
)
def test_a_tip_outside_its_limits_refuses_the_form_and_stores_nothing(client, paid_lesson, amount, message):
    booking, _ = paid_lesson
    client.force_login(booking.student)
    key = form_key(client.get(review_url(booking)).content.decode())
    response = client.post(review_url(booking), {"stars": "5", "text": "Great", "tip_amount": amount, "tip_key": key})
    html = response.content.decode()
    assert response.status_code == 422
    assert f'<p class="error" role="alert">{message}</p>' in html
    # The form comes back as it was typed, to change the tip or publish without one.
    assert f'value="{amount}"' in html and ">Great</textarea>" in html and 'value="5" required checked' in html
    nothing_stored()


def test_a_declined_tip_refuses_the_form_then_the_review_is_published_without_it(client, paid_lesson):
    booking, when = paid_lesson
    learner = booking.student
    declining = stripe_client.call(
        "payment_methods",
        "attach",
        "pm_card_chargeCustomerFail",
        params={"customer": learner.stripe_customer.customer_id},
    )
    card_set_default(user=learner, card=card_record(user=learner, payment_method_id=declining.id, now=when), now=when)
    client.force_login(learner)
    key = form_key(client.get(review_url(booking)).content.decode())
    response = client.post(review_url(booking), {"stars": "5", "text": "Great", "tip_amount": "20", "tip_key": key})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Your card was declined (Your card was declined.). Nothing was charged." in html
    assert Review.objects.count() == 0
    assert Payment.objects.filter(kind="tip").count() == 0
    assert LedgerEntry.objects.filter(kind="tip").count() == 0
    assert [(intent.amount, intent.status) for intent in tip_intents()] == [(2000, "requires_payment_method")]
    # A new key for the next attempt: it is a new charge, not a replay of the declined one.
    assert form_key(html) != key

    response = client.post(
        review_url(booking), {"stars": "5", "text": "Great", "tip_amount": "", "tip_key": form_key(html)}
    )
    assert response.status_code == 302
    assert list(Review.objects.values_list("stars", "text")) == [(5, "Great")]
    assert Payment.objects.filter(kind="tip").count() == 0
    assert len(tip_intents()) == 1


def test_a_refused_review_charges_no_tip(client, paid_lesson):
    booking, _ = paid_lesson
    client.force_login(booking.student)
    key = form_key(client.get(review_url(booking)).content.decode())
    response = client.post(review_url(booking), {"stars": "5", "text": "x" * 501, "tip_amount": "15", "tip_key": key})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Keep your review to 500 characters; this one has 501." in html
    assert form_key(html) == key and 'value="15"' in html
    nothing_stored()


def test_a_stranger_cannot_tip_or_review_someone_elses_lesson(client, paid_lesson):
    from accounts.tests.factories import student

    booking, _ = paid_lesson
    client.force_login(student())
    response = client.post(review_url(booking), {"stars": "5", "tip_amount": "15", "tip_key": "k"})
    assert response.status_code == 403
    nothing_stored()


def test_no_tip_field_once_tipped_and_a_card_link_without_a_card(client, paid_lesson):
    from reviews.tests.factories import completed_lesson as unpaid_lesson

    booking, when = paid_lesson
    tip_create(booking=booking, student=booking.student, amount_cents=500, now=when, idempotency_key="earlier")
    client.force_login(booking.student)
    html = client.get(review_url(booking)).content.decode()
    assert 'name="tip_amount"' not in html and "Want to add a tip?" not in html
    # The tip left on the payments page is not charged again by a form that says nothing of it.
    assert client.post(review_url(booking), {"stars": "5"}).status_code == 302
    assert list(Payment.objects.filter(kind="tip").values_list("captured_cents", flat=True)) == [500]

    lesson_without_card = unpaid_lesson()
    client.force_login(lesson_without_card.student)
    with time_machine.travel(lesson_without_card.lesson_ends_at + timedelta(hours=1), tick=False):
        html = client.get(review_url(lesson_without_card)).content.decode()
    assert 'name="tip_amount"' not in html
    cards_link = f'<a href="/payments/cards/?next=%2Flessons%2F{lesson_without_card.public_id}%2Freview%2F">'
    assert f"Want to add a tip? {cards_link}Save a card</a> first" in html
