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


def test_tip_billing_and_receipts_are_owner_only(client, local_stripe, now, django_capture_on_commit_callbacks):
    from payments.models import ConnectAccount, LedgerEntry, Payment
    from payments.services import tip_create
    from payments.tests.helpers import completed_lesson

    at(local_stripe, now)
    booking, lesson, when = completed_lesson(local_stripe, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_create(booking=booking, student=booking.student, amount_cents=1000, now=when, idempotency_key="t")
    entries = LedgerEntry.objects.count()

    stranger = student()
    client.force_login(stranger)
    assert client.get(reverse("payments_tip", args=[booking.public_id])).status_code == 404
    assert (
        client.post(reverse("payments_tip", args=[booking.public_id]), {"amount": "5", "key": "s"}).status_code == 404
    )
    assert client.get(reverse("payments_receipt", args=[tip.public_id])).status_code == 404
    assert client.get(reverse("payments_receipt", args=[lesson.public_id])).status_code == 404
    billing = client.get(reverse("payments_billing")).content.decode()
    assert "Nothing yet." in billing and booking.service_name not in billing
    assert client.get(reverse("payments_billing") + "?format=csv").content.decode().count("\n") == 1
    # Students are not instructors: no payouts set up, no earnings page.
    assert client.post(reverse("payments_connect_start")).status_code == 403
    assert client.get(reverse("payments_earnings")).status_code == 403
    assert Payment.objects.filter(kind="tip").count() == 1 and LedgerEntry.objects.count() == entries
    assert ConnectAccount.objects.count() == 1

    client.force_login(booking.student)
    receipt = client.get(reverse("payments_receipt", args=[lesson.public_id])).content.decode()
    assert "$100.80" in receipt and "Visa ending 4242" in receipt
    billing = client.get(reverse("payments_billing")).content.decode()
    assert billing.count("Receipt</a>") == 2


def test_checkout_and_billing_show_times_in_the_students_own_zone(client, local_stripe, now):
    """A student in London booking a New York instructor: the checkout's authorization, charge
    and cancellation times, and the billing page's credit expiry, are in London time."""
    from datetime import UTC, datetime

    from payments.services import credit_issue
    from payments.tests.helpers import start_booking

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    learner = student(timezone="Europe/London")
    # Expires 4 March 2032 00:30 UTC: 4 March in London, still 3 March in New York.
    credit_issue(
        student=learner, amount_cents=1500, reason="Sorry", key="c", now=datetime(2031, 3, 5, 0, 30, tzinfo=UTC)
    )
    client.force_login(learner)
    billing = client.get(reverse("payments_billing")).content.decode()
    assert "Platform credit: $15.00" in billing
    assert "$15.00 (Sorry) — expires 4 March 2032" in billing and "3 March 2032" not in billing
    assert "Platform credit received" in billing

    booking = start_booking(offer=offer, starts_at=datetime(2031, 3, 7, 16, 0, tzinfo=UTC), now=now, who=learner)
    page = client.get(reverse("payments_checkout", args=[booking.public_id])).content.decode()
    # Lesson 16:00–17:00 UTC (London is on UTC in March; New York is 11:00); the credit pays $15.
    assert "We save your card now and authorize $85.80 on Thursday 6 March, 16:00, 24 hours before" in page
    assert "You are charged on Saturday 8 March, 17:00, 24 hours after the lesson ends" in page
    assert "Cancel until Thursday 6 March, 16:00 and nothing is charged." in page
    assert "Cancel after Friday 7 March, 04:00 or miss the lesson: you pay $100.80." in page
    assert "Times are in Europe/London." in page


def _csv(response) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(response.content.decode())))


def test_billing_shows_refunds_and_its_csv_signs_what_moved_with_holds_and_credit_apart(client, local_stripe, now):
    from accounts.tests.factories import staff
    from payments.services import credit_issue, payment_refund
    from payments.tests.helpers import completed_lesson

    at(local_stripe, now)
    booking, payment, when = completed_lesson(local_stripe, now=now)
    payment_refund(payment=payment, amount_cents=2000, reason="Started late", staff_user=staff(), now=when)
    credit_issue(student=booking.student, amount_cents=1500, reason="=SUM(A1:A9)", key="odd", now=when)
    client.force_login(booking.student)
    page = client.get(reverse("payments_billing")).content.decode()
    assert "Refund to your card" in page and "−$20.00" in page
    rows = _csv(client.get(reverse("payments_billing") + "?format=csv"))
    assert rows[0] == ["date", "time_zone", "what", "lesson", "charged_usd", "held_usd", "credit_usd", "reference"]
    moved = {row[2]: row[4:7] for row in rows[1:]}
    assert moved == {
        "Card authorized (not charged yet)": ["", "100.80", ""],
        "Card charged": ["100.80", "", ""],
        "Refund to your card": ["-20.00", "", ""],
        "Platform credit received": ["", "", "15.00"],
    }
    # The card paid $80.80 in the end; a reason a person typed is not run as a formula.
    assert sum(float(row[4] or 0) for row in rows[1:]) == pytest.approx(80.80)
    assert [row[3] for row in rows[1:] if row[2] == "Platform credit received"] == ["'=SUM(A1:A9)"]


def test_earnings_show_a_late_cancellation_as_nothing_due_and_the_csv_escapes_names(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    from bookings.services import booking_cancel

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    prankster = student(full_name='=HYPERLINK("http://evil.example","x")')
    booking, _ = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=23), now=now, who=prankster)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, user=prankster, now=at(local_stripe, now + timedelta(hours=2)))
    client.force_login(offer.instructor.user)
    page = client.get(reverse("payments_earnings")).content.decode()
    assert "<td>nothing due</td>" in page and "pending" not in page.split("Lessons</h2>")[1].split("Payouts")[0]
    rows = _csv(client.get(reverse("payments_earnings") + "?format=csv"))
    assert rows[1][2:] == ['\'=HYPERLINK("http://evil.example","x")', "0.00", "0.00", "0.00", "0.00", "nothing due"]
