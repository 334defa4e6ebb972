"""Payment times across the US change to daylight saving time (2 a.m. on Sunday 9 March 2031 in
New York). A lesson at 10:00 that Sunday, booked the Tuesday before: 24 hours before it is 09:00
on Saturday (still standard time), and 24 hours after it ends is 11:00 on Monday. The checkout,
the fix-card email and the billing page say so in the student's zone; London, which changes on
30 March, sees 14:00 Saturday and 15:00 Monday for the same moments."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.tests.factories import student
from bookings.services import bookings_complete_finished
from notifications.models import OutboundMessage
from payments.services import checkout_finish, checkout_prepare
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import at, browser_confirms, instructor_offer, start_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]

NY = ZoneInfo("America/New_York")
LESSON = datetime(2031, 3, 9, 10, 0, tzinfo=NY)  # 14:00 UTC, just after the change


def _book_through_the_checkout_page(client, server, *, offer, who, starts_at, now, card="pm_card_visa") -> str:
    """The student opens the checkout page, Stripe.js confirms their card, the page finishes.
    Returns the checkout page's text."""
    booking = start_booking(offer=offer, starts_at=starts_at, now=now, who=who)
    client.force_login(who)
    page = client.get(reverse("payments_checkout", args=[booking.public_id])).content.decode()
    browser_confirms(checkout_prepare(booking=booking, user=who, now=now), card)
    checkout_finish(booking=booking, user=who, now=now)
    return page


def test_checkout_email_and_billing_times_across_the_dst_change(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    assert now.astimezone(NY).utcoffset() == timedelta(hours=-5)  # booked in standard time
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    new_yorker = student(timezone="America/New_York")
    londoner = student(timezone="Europe/London")
    late_card = student(timezone="America/New_York")

    page = _book_through_the_checkout_page(client, local_stripe, offer=offer, who=new_yorker, starts_at=LESSON, now=now)
    assert "Sunday 9 March 2031, 10:00 (America/New_York)" in page
    assert "authorize $100.80 on Saturday 8 March, 09:00, 24 hours before the lesson" in page
    assert "You are charged on Monday 10 March, 11:00, 24 hours after the lesson ends" in page
    assert "Cancel until Saturday 8 March, 09:00 and nothing is charged." in page
    assert "Cancel between Saturday 8 March, 09:00 and Saturday 8 March, 21:00: you pay $100.80" in page
    assert "Cancel after Saturday 8 March, 21:00 or miss the lesson: you pay $100.80." in page

    # The same moments for a student in London (still on GMT): nothing shifts an hour.
    in_london = _book_through_the_checkout_page(
        client, local_stripe, offer=offer, who=londoner, starts_at=LESSON + timedelta(hours=2), now=now
    )
    assert "Sunday 9 March 2031, 16:00 (Europe/London)" in in_london
    assert "authorize $100.80 on Saturday 8 March, 16:00, 24 hours before the lesson" in in_london
    assert "You are charged on Monday 10 March, 17:00, 24 hours after the lesson ends" in in_london
    assert "Cancel after Sunday 9 March, 04:00 or miss the lesson" in in_london

    _book_through_the_checkout_page(
        client,
        local_stripe,
        offer=offer,
        who=late_card,
        starts_at=LESSON + timedelta(hours=4),
        now=now,
        card="pm_card_chargeCustomerFail",
    )
    # T−24 h of the first lesson, Saturday 09:00 standard time (14:00 UTC): authorized.
    t24 = at(local_stripe, datetime(2031, 3, 8, 14, 0, tzinfo=UTC))
    assert t24.astimezone(NY).hour == 9
    payments_run_due(now=t24)
    # The third lesson's card is declined at its T−24 h; the email names the lesson in New York time.
    with django_capture_on_commit_callbacks(execute=True):
        payments_run_due(now=at(local_stripe, datetime(2031, 3, 8, 18, 0, tzinfo=UTC)))
    email = OutboundMessage.objects.get(to=late_card.email, subject__startswith="Action needed")
    assert "on Sunday 9 March at 14:00 (America/New_York)" in email.body

    # Not fixed by 6 hours before its start: cancelled (nothing charged).
    assert payments_run_due(now=at(local_stripe, datetime(2031, 3, 9, 12, 0, tzinfo=UTC)))["auto_cancelled"] == 1
    bookings_complete_finished(now=at(local_stripe, datetime(2031, 3, 9, 20, 0, tzinfo=UTC)))
    charged = at(local_stripe, datetime(2031, 3, 10, 15, 0, tzinfo=UTC))  # Monday 11:00 daylight time
    assert payments_run_due(now=charged)["captured"] == 1
    assert payments_run_due(now=at(local_stripe, charged + timedelta(hours=2)))["captured"] == 1
    client.force_login(new_yorker)
    billing = client.get(reverse("payments_billing")).content.decode()
    assert "8 Mar 2031, 09:00" in billing and "10 Mar 2031, 11:00" in billing
    client.force_login(londoner)
    billing = client.get(reverse("payments_billing")).content.decode()
    # Authorized by the 18:00 UTC run on Saturday, charged 24 h after its end (17:00 UTC Monday).
    assert "8 Mar 2031, 18:00" in billing and "10 Mar 2031, 17:00" in billing
