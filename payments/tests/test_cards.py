"""Saved cards against the local Stripe server: the cards page reuses its open SetupIntent, every
write to Stripe carries its own idempotency key, and one student's card changes are serialised."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import student
from payments import stripe_client
from payments.models import SavedCard, StripeCustomer
from payments.services import card_record, card_remove, card_set_default, customer_ensure
from payments.tests.helpers import at

pytestmark = pytest.mark.django_db


def _setup_intents(customer) -> list:
    return stripe_client.call("setup_intents", "list", params={"customer": customer.customer_id, "limit": 100}).data


def test_the_cards_page_reuses_its_open_setup_intent_until_a_card_is_saved(client, local_stripe, now):
    at(local_stripe, now)
    learner = student()
    client.force_login(learner)
    first = client.get(reverse("payments_cards")).content.decode()
    second = client.get(reverse("payments_cards")).content.decode()
    customer = StripeCustomer.objects.get(user=learner)
    intents = _setup_intents(customer)
    assert len(intents) == 1 and intents[0].client_secret in first and intents[0].client_secret in second

    # The student adds a card with it (Stripe.js confirms it in the page); the next visit gets a new one.
    stripe_client.call("setup_intents", "confirm", intents[0].id, params={"payment_method": "pm_card_visa"})
    method = stripe_client.call("setup_intents", "retrieve", intents[0].id).payment_method
    assert client.post(reverse("payments_cards"), {"payment_method": method}).status_code == 302
    third = client.get(reverse("payments_cards")).content.decode()
    intents = _setup_intents(customer)
    assert len(intents) == 2 and intents[0].client_secret not in first
    assert any(intent.client_secret in third for intent in intents if intent.status == "requires_payment_method")
    assert learner.saved_cards.get().is_default


def _attached(customer, card: str = "pm_card_visa") -> str:
    return stripe_client.call("payment_methods", "attach", card, params={"customer": customer.customer_id}).id


def test_switching_the_default_card_back_and_forth_reaches_stripe_each_time(local_stripe, now):
    at(local_stripe, now)
    learner = student()
    customer = customer_ensure(user=learner, now=now)
    visa = card_record(user=learner, payment_method_id=_attached(customer), now=now)
    master = card_record(user=learner, payment_method_id=_attached(customer, "pm_card_mastercard"), now=now)

    def stripe_default() -> str:
        remote = stripe_client.call("customers", "retrieve", customer.customer_id)
        return remote.invoice_settings.default_payment_method

    assert stripe_default() == visa.payment_method_id
    for card in (master, visa, master):
        card_set_default(user=learner, card=card, now=now)
        # A replayed key would have answered without changing anything: each change is its own request.
        assert stripe_default() == card.payment_method_id
    assert list(SavedCard.objects.filter(user=learner, is_default=True)) == [master]

    card_remove(user=learner, card=visa, now=now)
    assert stripe_client.call("payment_methods", "retrieve", visa.payment_method_id).customer is None
    # Removing it again (a double submit) replays the detach under its key and changes nothing.
    card_remove(user=learner, card=visa, now=now)
    assert list(SavedCard.objects.filter(user=learner)) == [master]
    assert stripe_default() == master.payment_method_id


@pytest.mark.django_db(transaction=True)
def test_two_first_cards_saved_at_once_make_exactly_one_default(local_stripe, now):
    at(local_stripe, now)
    learner = student()
    customer = customer_ensure(user=learner, now=now)
    methods = [_attached(customer), _attached(customer, "pm_card_mastercard")]
    start, errors = threading.Barrier(2), []

    def save(method):
        try:
            start.wait()
            card_record(user=learner, payment_method_id=method, now=now)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(method,)) for method in methods]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SavedCard.objects.filter(user=learner).count() == 2
    assert SavedCard.objects.filter(user=learner, is_default=True).count() == 1


def test_each_onboarding_visit_gets_a_fresh_link(client, local_stripe, now):
    from accounts.tests.factories import instructor_user
    from catalog.services import instructor_profile_start

    at(local_stripe, now + timedelta(minutes=1))
    teacher = instructor_user()
    instructor_profile_start(user=teacher)
    client.force_login(teacher)
    first = client.post(reverse("payments_connect_start"))["Location"]
    second = client.post(reverse("payments_connect_start"))["Location"]
    assert first.startswith(local_stripe.url) and second.startswith(local_stripe.url) and first != second
    assert teacher.instructor_profile.connect_account.onboarding_links == 2
