"""Celery Beat sweeps for payments (declared in instainstru/periodic.py). Each sweep locks the rows
it acts on with SKIP LOCKED and is safe to run twice, concurrently, or after a crash."""

from celery import shared_task
from django.utils import timezone

from payments.services.credits import credits_expire_due
from payments.services.lifecycle import payments_run_due
from payments.services.payouts import payouts_standard_due


@shared_task(name="payments.tasks.run_due")
def run_due() -> dict:
    """Release, authorize (T−24 h and retries), auto-cancel (T−6 h), capture and transfer what is due."""
    return payments_run_due(now=timezone.now())


@shared_task(name="payments.tasks.expire_credits")
def expire_credits() -> int:
    return credits_expire_due(now=timezone.now())


@shared_task(name="payments.tasks.pay_out_balances")
def pay_out_balances() -> int:
    """A standard payout of each instructor's available Connect balance."""
    return payouts_standard_due(now=timezone.now())
