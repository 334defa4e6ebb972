"""Staff in the admin: every payments model listed, restricted accounts' waiting captures, refunds."""

from datetime import timedelta

import pytest
from django.urls import reverse

from payments import models, stripe_client
from payments.services import connect_account_refresh
from payments.tests.helpers import at, book_and_pay, completed_lesson, instructor_offer

# Every scenario here ends with `reconcile_payments` finding no difference.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]


def test_every_payments_model_has_a_working_admin_list(staff_client, local_stripe, now):
    at(local_stripe, now)
    completed_lesson(local_stripe, now=now)
    for model in (
        "payment",
        "ledgerentry",
        "credit",
        "credituse",
        "stripecustomer",
        "savedcard",
        "connectaccount",
        "instructordebt",
        "payout",
        "dispute",
        "webhookevent",
    ):
        response = staff_client.get(reverse(f"admin:payments_{model}_changelist"))
        assert response.status_code == 200, model
    payment = models.Payment.objects.get()
    page = staff_client.get(reverse("admin:payments_payment_change", args=[payment.pk])).content.decode()
    assert "Refund…" in page and "$100.80 of" not in page


def test_captures_waiting_for_a_restricted_account_are_listed(staff_client, local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, waiting = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=5), now=now)
    _, other = book_and_pay(
        local_stripe, offer=instructor_offer(local_stripe, now=now), starts_at=now + timedelta(hours=5), now=now
    )
    local_stripe.account_action(offer.instructor.connect_account.account_id, "restrict")
    connect_account_refresh(instructor=offer.instructor, now=now)
    url = reverse("admin:payments_payment_changelist") + "?waiting_for_account=yes"
    page = staff_client.get(url).content.decode()
    assert waiting.public_id in page and other.public_id not in page
    accounts = staff_client.get(reverse("admin:payments_connectaccount_changelist")).content.decode()
    assert "?waiting_for_account=yes&amp;instructor__id__exact=" in accounts


def test_staff_refund_part_of_a_payment_with_a_reason(staff_client, local_stripe, now):
    at(local_stripe, now)
    _, payment, _ = completed_lesson(local_stripe, now=now)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    assert "up to $100.80 can be refunded" in staff_client.get(url).content.decode()

    refused = staff_client.post(url, {"amount": "20", "reason": ""})
    assert refused.status_code == 422
    assert not models.LedgerEntry.objects.filter(kind="refund").exists()

    response = staff_client.post(url, {"amount": "20.16", "reason": "Started late", "take_from_instructor": "on"})
    assert response.status_code == 302
    payment.refresh_from_db()
    # 20.16 is a fifth of 100.80: a fifth of the instructor's 76.50 (15.30) is taken back.
    assert (payment.refunded_cents, payment.instructor_share_cents, payment.transferred_cents) == (2016, 6120, 6120)
    refund = models.LedgerEntry.objects.get(kind="refund")
    assert (refund.amount_cents, refund.note, refund.actor) == (2016, "Started late", staff_client.staff_user)
    assert models.LedgerEntry.objects.get(kind="reversal").amount_cents == 1530
    assert stripe_client.call("charges", "retrieve", payment.charge_id).amount_refunded == 2016


def test_people_who_are_not_staff_cannot_refund(client, local_stripe, now):
    at(local_stripe, now)
    booking, payment, _ = completed_lesson(local_stripe, now=now)
    client.force_login(booking.student)
    response = client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": "5", "reason": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not models.LedgerEntry.objects.filter(kind="refund").exists()
