"""The payments jobs on a real Celery worker process (over Redis, against the test database and
the local Stripe server), as Celery Beat runs them: each reads the real clock."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from instainstru.tests.test_services_real import ROOT, database_url_for_current_test_db
from payments.models import Credit, Payment, PaymentStatus, Payout
from payments.services import credit_issue
from payments.tasks import expire_credits, pay_out_balances, run_due
from payments.tests.helpers import at, book_and_pay, completed_lesson, instructor_offer


def _wait_for(condition, worker, what: str, seconds: float = 60) -> None:
    """Until `condition()` holds, the worker dies, or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, worker.stdout.read().decode()
        assert time.monotonic() < deadline, f"the worker did not {what} in {seconds:g} s"
        time.sleep(0.2)


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

    queue = f"test-{uuid.uuid4().hex[:8]}"  # nobody else consumes this queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "instainstru.test_settings",
        "DATABASE_URL": database_url_for_current_test_db(),
        "STRIPE_API_BASE": settings.STRIPE_API_BASE,
        "STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
    }
    env.pop("INSTAINSTRU_ASGI", None)  # the worker is not an ASGI process
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "instainstru", "worker", "-Q", queue, "--pool", "solo", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        run_due.apply_async(queue=queue)
        _wait_for(
            lambda: Payment.objects.get(pk=waiting.pk).status == PaymentStatus.AUTHORIZED, worker, "authorize the card"
        )
        pay_out_balances.apply_async(queue=queue)
        _wait_for(lambda: Payout.objects.exists(), worker, "pay out the instructor")
        expire_credits.apply_async(queue=queue)
        _wait_for(lambda: Credit.objects.get(pk=old_credit.pk).expired_at is not None, worker, "expire the credit")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    waiting.refresh_from_db()
    assert (waiting.card_cents, waiting.authorization_attempts) == (10080, 1)
    assert list(Payout.objects.values_list("method", "amount_cents")) == [("standard", 7650)]
    assert Credit.objects.get(pk=old_credit.pk).remaining_cents == 0
