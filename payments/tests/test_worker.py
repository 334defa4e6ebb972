"""The payments jobs on a real Celery worker process (over Redis, against the test database and
the local Stripe server), as Celery Beat runs them: each reads the real clock."""

from datetime import timedelta

import pytest
from django.utils import timezone

from instainstru.tests.processes import celery_worker
from payments.models import Credit, Payment, PaymentStatus, Payout
from payments.services import credit_issue
from payments.tasks import expire_credits, pay_out_balances, run_due
from payments.tests.helpers import at, book_and_pay, completed_lesson, instructor_offer


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ends_reconciled")
def test_the_payment_jobs_run_on_a_real_celery_worker(local_stripe, settings):
    real_now = timezone.now().replace(minute=0, second=0, microsecond=0)
    offer = instructor_offer(local_stripe, now=real_now - timedelta(days=5), hours="00:00-24:00")
    # A lesson two days ago, charged and paid to the instructor; this card's funds are available at once.
    completed_lesson(local_stripe, now=real_now - timedelta(days=5), offer=offer, card="pm_card_bypassPending")
    # A lesson 20 hours from now, booked yesterday with the card saved: its T−24 h has passed.
    booked_at = at(local_stripe, real_now - timedelta(hours=20))
    upcoming, waiting = book_and_pay(local_stripe, offer=offer, starts_at=real_now + timedelta(hours=20), now=booked_at)
    assert waiting.status == PaymentStatus.CARD_SAVED and waiting.authorize_due_at < timezone.now()
    old_credit = credit_issue(
        student=upcoming.student, amount_cents=500, reason="Old", key="old", now=real_now - timedelta(days=366)
    )
    local_stripe.call("POST", "/_local/clock", real="true")  # the server follows the real clock, as the worker does

    with celery_worker(
        STRIPE_API_BASE=settings.STRIPE_API_BASE, STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY
    ) as worker:
        run_due.apply_async(queue=worker.queue)
        worker.wait_for(lambda: Payment.objects.get(pk=waiting.pk).status == PaymentStatus.AUTHORIZED, what="authorize")
        pay_out_balances.apply_async(queue=worker.queue)
        worker.wait_for(lambda: Payout.objects.exists(), what="pay out the instructor")
        expire_credits.apply_async(queue=worker.queue)
        worker.wait_for(lambda: Credit.objects.get(pk=old_credit.pk).expired_at is not None, what="expire the credit")
    waiting.refresh_from_db()
    assert (waiting.card_cents, waiting.authorization_attempts) == (10080, 1)
    assert list(Payout.objects.values_list("method", "amount_cents")) == [("standard", 7650)]
    assert Credit.objects.get(pk=old_credit.pk).remaining_cents == 0
