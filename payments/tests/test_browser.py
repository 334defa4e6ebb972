"""Browser tests of the payment pages, with Stripe.js served by the local Stripe server."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from payments import stripe_client
from payments.models import LedgerEntry, Payment
from payments.tests.helpers import start_booking

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_url, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}])


def type_card(page, number, expiry="12/34", cvc="123"):
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill(expiry)
    page.get_by_label("CVC").fill(cvc)


def same_day_booking():
    from bookings.tests.factories import bookable_offer

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    now = timezone.now()
    starts = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=4)
    return start_booking(offer=offer, starts_at=starts, now=now)


def test_same_day_checkout_authorizes_now_with_3d_secure_in_the_page_on_a_phone(live_url, phone_page, browser_stripe):
    booking = same_day_booking()
    page = phone_page
    log_in(page, live_url, booking.student)
    page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    expect(page.get_by_text("We authorize $100.80 on your card now; your bank may ask you to confirm.")).to_be_visible()
    starts = booking.lesson_starts_at.astimezone(booking.student.zone)
    late_from = (booking.lesson_starts_at - timedelta(hours=12)).astimezone(booking.student.zone)
    # Booked under 12 h ahead: free only during the 15-minute grace period, then the full price.
    grace = (booking.created_at + timedelta(minutes=15)).astimezone(booking.student.zone)
    free_line = f"Cancel until {grace:%A} {grace.day} {grace:%B, %H:%M} and nothing is charged."
    expect(page.get_by_text(free_line)).to_be_visible()
    assert late_from < grace < starts
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    type_card(page, "4000 0027 6000 3184")  # the bank asks for 3-D Secure
    page.get_by_role("button", name="Authorize and book").click()
    dialog = page.get_by_role("dialog", name="3D Secure authentication")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("Confirmed")).to_be_visible()

    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    assert (booking.status, payment.status, payment.card_cents) == (BookingStatus.CONFIRMED, "authorized", 10080)
    assert list(LedgerEntry.objects.values_list("kind", "amount_cents")) == [("authorization", 10080)]
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_capture", 10080, "manual")


def test_failed_3d_secure_makes_no_booking_and_releases_the_time(live_url, page, browser_stripe):
    booking = same_day_booking()
    log_in(page, live_url, booking.student)
    page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    type_card(page, "4000 0027 6000 3184")
    page.get_by_role("button", name="Authorize and book").click()
    page.get_by_role("dialog", name="3D Secure authentication").get_by_role(
        "button", name="Fail authentication"
    ).click()
    expect(page.get_by_text(re.compile("No booking was made and the time was released"))).to_be_visible()
    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    assert (booking.status, booking.holds_time, payment.status) == (BookingStatus.CANCELLED, False, "canceled")
    assert LedgerEntry.objects.count() == 0
    assert not booking.student.saved_cards.exists()
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 0


def test_an_incomplete_card_is_refused_in_the_page_and_nothing_happens(live_url, page, browser_stripe):
    booking = same_day_booking()
    log_in(page, live_url, booking.student)
    page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    type_card(page, "4242 4242", expiry="12/34", cvc="1")
    page.get_by_role("button", name="Authorize and book").click()
    expect(page.locator("#card-errors")).to_have_text("Your card number is incomplete.")
    booking.refresh_from_db()
    assert (booking.status, Payment.objects.get(booking=booking).status) == (BookingStatus.PENDING, "awaiting_card")


def test_someone_elses_checkout_is_not_found(live_url, page, browser_stripe):
    from accounts.tests.factories import student

    booking = same_day_booking()
    log_in(page, live_url, student())
    response = page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    assert response.status == 404
    assert not Payment.objects.exists()


def off_the_page(function, *args, **kwargs):
    """Runs set-up that sends notifications (async_to_sync inside) outside Playwright's event loop."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _far_ahead_lesson(server):
    """A lesson three days ahead at 15:00 UTC, booked and paid with a Visa card (card saved)."""
    from payments.tests.helpers import book_and_pay, instructor_offer

    now = timezone.now()
    offer = instructor_offer(server, now=now)
    starts = (now + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    return off_the_page(book_and_pay, server, offer=offer, starts_at=starts, now=now)


def test_saved_cards_add_set_default_and_remove_a_card_lessons_depend_on(live_url, page, browser_stripe):
    booking, payment = _far_ahead_lesson(browser_stripe)
    learner = booking.student
    visa = learner.saved_cards.get()
    assert payment.payment_method_id == visa.payment_method_id
    log_in(page, live_url, learner)
    page.goto(f"{live_url}/payments/cards/")
    cards = page.get_by_role("list", name="Saved cards")
    expect(cards.get_by_role("listitem")).to_have_count(1)
    expect(cards).to_contain_text("Visa ending 4242")
    expect(cards).to_contain_text("Default")

    type_card(page, "5555 5555 5555 4444", expiry="08/33")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_text("Saved Mastercard ending 4444 (expires 08/2033).")).to_be_visible()
    expect(cards.get_by_role("listitem")).to_have_count(2)

    # The upcoming lesson will be charged to the Visa: it cannot be removed yet.
    page.get_by_role("button", name=f"Remove {visa.label}").click()
    expect(page.get_by_text("Upcoming lessons will be charged to this card.", exact=False)).to_be_visible()
    assert learner.saved_cards.count() == 2
    assert stripe_client.call("payment_methods", "retrieve", visa.payment_method_id).customer is not None

    page.get_by_role("button", name="Make default").click()
    expect(page.get_by_text("Mastercard ending 4444 (expires 08/2033) is now your default card.")).to_be_visible()
    mastercard = learner.saved_cards.get(last4="4444")
    payment.refresh_from_db()
    assert mastercard.is_default and payment.payment_method_id == mastercard.payment_method_id

    page.get_by_role("button", name=f"Remove {visa.label}").click()
    expect(page.get_by_text(f"Removed {visa.label}.")).to_be_visible()
    expect(cards.get_by_role("listitem")).to_have_count(1)
    assert list(learner.saved_cards.values_list("last4", flat=True)) == ["4444"]
    assert stripe_client.call("payment_methods", "retrieve", visa.payment_method_id).customer is None
    customer = stripe_client.call("customers", "retrieve", learner.stripe_customer.customer_id)
    assert customer.invoice_settings.default_payment_method == mastercard.payment_method_id


def test_acceptance_card_booking_charge_times_tip_and_billing(live_url, page, browser_stripe):
    """A student adds a card through Stripe.js, books, sees when they will be charged, tips after
    the lesson and finds it all on the billing page."""
    from accounts.tests.factories import student
    from bookings.services import bookings_complete_finished
    from payments.services.lifecycle import payments_run_due
    from payments.tests.helpers import assert_reconciled, at, instructor_offer

    offer = off_the_page(instructor_offer, browser_stripe, now=timezone.now())
    learner = student(full_name="Tia Tipper")
    log_in(page, live_url, learner)

    page.goto(f"{live_url}/payments/cards/")
    type_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_text("Saved Visa ending 4242 (expires 12/2034).")).to_be_visible()

    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/book/")
    page.get_by_label("Duration").select_option("60")
    page.get_by_label("Where").select_option("online")
    day = (timezone.now().astimezone(learner.zone) + timedelta(days=2)).date()
    page.get_by_label("From").fill(day.isoformat())
    page.get_by_role("button", name="Show times").click()
    page.get_by_role("link", name="10:00").first.click()
    page.get_by_role("button", name="Confirm and book").click()
    page.get_by_role("heading", name="Payment").wait_for()
    booking = Booking.objects.get()
    zone = learner.zone
    authorize_at = (booking.lesson_starts_at - timedelta(hours=24)).astimezone(zone)
    charge_at = (booking.lesson_ends_at + timedelta(hours=24)).astimezone(zone)
    expect(
        page.get_by_text(
            f"We save your card now and authorize $100.80 on {authorize_at:%A} {authorize_at.day} "
            f"{authorize_at:%B, %H:%M}, 24 hours before the lesson."
        )
    ).to_be_visible()
    expect(page.get_by_text(f"You are charged on {charge_at:%A} {charge_at.day} {charge_at:%B, %H:%M}")).to_be_visible()
    expect(page.get_by_label("Visa ending 4242 (expires 12/2034)")).to_be_checked()
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.get_by_text("Confirmed")).to_be_visible()
    assert learner.saved_cards.count() == 1

    # Time passes: authorized at T−24 h, the lesson is given, charged 24 h later.
    def lesson_happens():
        payments_run_due(now=at(browser_stripe, booking.lesson_starts_at - timedelta(hours=24)))
        bookings_complete_finished(now=at(browser_stripe, booking.lesson_ends_at + timedelta(minutes=1)))
        return payments_run_due(now=at(browser_stripe, booking.lesson_ends_at + timedelta(hours=24)))

    assert off_the_page(lesson_happens)["captured"] == 1

    page.reload()
    expect(page.get_by_text("Payment: Charged — $100.80 charged.")).to_be_visible()
    page.get_by_role("link", name="Leave a tip").click()
    page.get_by_label("Tip amount in dollars ($1.00 to $180.00)").fill("500")
    page.get_by_role("button", name="Send tip").click()
    expect(page.get_by_text("A tip can be from $1.00 to $180.00.")).to_be_visible()
    page.get_by_label("Tip amount in dollars ($1.00 to $180.00)").fill("15")
    page.get_by_role("button", name="Send tip").click()
    expect(page.get_by_text(f"Thank you! Your $15.00 tip goes to {offer.instructor.user.full_name}.")).to_be_visible()
    expect(page.get_by_text("Your tip: $15.00. Thank you!")).to_be_visible()

    page.get_by_role("link", name="Billing").first.click()
    history = page.get_by_role("table", name="Billing history")
    expect(history.get_by_role("row")).to_have_count(4)  # header, tip, charge, authorization
    # (The lesson's times were simulated days ahead; the tip was real-time, so order by kind.)
    tip_row = history.get_by_role("row").filter(has_text="Tip")
    charge_row = history.get_by_role("row").filter(has_text="Card charged")
    expect(tip_row).to_contain_text("$15.00")
    expect(charge_row).to_contain_text("$100.80")
    expect(history.get_by_role("row").filter(has_text="Card authorized (not charged yet)")).to_contain_text("$100.80")
    expect(page.get_by_role("heading", name="Platform credit: $0.00")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    tip_charge = Payment.objects.get(kind="tip").charge_id
    assert (
        len(lines) == 4
        and sum(
            line.endswith(f",Tip,{booking.service_name} with {offer.instructor.user.full_name},15.00,,,{tip_charge}")
            for line in lines
        )
        == 1
    )
    charge_row.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(page.get_by_text("Charged to Visa ending 4242")).to_be_visible()
    off_the_page(assert_reconciled)


def test_payment_pages_fit_a_phone(live_url, phone_page, browser_stripe):
    from payments.tests.helpers import completed_lesson

    now = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)  # lesson at 10:00/11:00 New York
    booking, _, _ = off_the_page(completed_lesson, browser_stripe, now=now)
    log_in(phone_page, live_url, booking.student)
    for path in ("/payments/cards/", "/payments/billing/", f"/payments/tip/{booking.public_id}/"):
        phone_page.goto(live_url + path)
        expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375, path
    phone_page.context.clear_cookies()
    log_in(phone_page, live_url, booking.instructor.user)
    phone_page.goto(live_url + "/teach/earnings/")
    expect(phone_page.get_by_role("heading", name="Earnings")).to_be_visible()
    expect(phone_page.get_by_role("table", name="Lessons")).to_contain_text("$76.50")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.get_by_role("button", name="Pay out now").click()
    expect(phone_page.get_by_text("Instant payout of $74.97 sent (fee $1.53).")).to_be_visible()
    expect(phone_page.get_by_role("list", name="Payouts")).to_contain_text("Instant · $74.97 (fee $1.53)")


def test_staff_refund_part_of_a_lesson_in_the_admin(live_url, page, browser_stripe):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.tests.factories import PASSWORD, staff
    from accounts.tests.totp import totp_code
    from payments.tests.helpers import completed_lesson

    now = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)
    _, payment, _ = off_the_page(completed_lesson, browser_stripe, now=now)
    reviewer = staff(email="finance@example.com")
    secret = generate_totp_secret()
    TOTP.activate(reviewer, secret)
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill("finance@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.get_by_label(re.compile("code", re.I)).fill(totp_code(secret))
    page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)

    page.goto(live_url + "/admin/payments/payment/")
    page.get_by_role("link", name="Charged", exact=True).click()  # the status filter
    page.get_by_role("link", name=payment.public_id).click()
    page.get_by_role("link", name="Refund…").click()
    expect(page.get_by_text("up to $100.80 can be refunded")).to_be_visible()
    page.get_by_label("Amount to refund in dollars").fill("50.40")
    page.get_by_role("button", name="Refund").click()
    # No reason: the form is not sent (the browser asks for it) and nothing is refunded.
    assert page.get_by_label("Reason").evaluate("field => field.validity.valueMissing") is True
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    page.get_by_label("Amount to refund in dollars").fill("50.40")
    page.get_by_label("Reason").fill("Lesson started 30 minutes late")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("Refunded 50.40 dollars.")).to_be_visible()
    payment.refresh_from_db()
    assert (payment.refunded_cents, payment.instructor_share_cents) == (5040, 3825)
    refund = LedgerEntry.objects.get(kind="refund")
    assert (refund.amount_cents, refund.note, refund.actor) == (5040, "Lesson started 30 minutes late", reviewer)
    assert stripe_client.call("charges", "retrieve", payment.charge_id).amount_refunded == 5040


def test_failed_authorization_the_student_follows_the_email_adds_a_card_and_authorizes_on_a_phone(
    live_url, phone_page, browser_stripe
):
    from notifications.models import OutboundMessage
    from payments.services.lifecycle import payments_run_due
    from payments.tests.helpers import at, book_and_pay, instructor_offer

    def declined_at_t_minus_24h():
        now = timezone.now()
        offer = instructor_offer(browser_stripe, now=now)
        starts = (now + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
        # Saves fine; every charge is then a hard decline (lost card): the student must act.
        booking, payment = book_and_pay(
            browser_stripe, offer=offer, starts_at=starts, now=now, card="pm_card_local_chargeCustomerFailLostCard"
        )
        assert (booking.status, payment.status) == ("confirmed", "card_saved")
        payments_run_due(now=at(browser_stripe, starts - timedelta(hours=24)))
        at(browser_stripe, now)
        payment.refresh_from_db()
        return booking, payment

    booking, payment = off_the_page(declined_at_t_minus_24h)
    assert (payment.status, payment.needs_student_action) == ("authorization_failed", True)
    email = OutboundMessage.objects.get(to=booking.student.email, subject__startswith="Action needed")
    link = re.search(r"/payments/fix-card/\S+/", email.body).group(0)

    page = phone_page
    log_in(page, live_url, booking.student)
    page.goto(live_url + link)
    expect(page.get_by_role("heading", name="Fix your card")).to_be_visible()
    expect(page.get_by_text("We could not authorize your card for this lesson")).to_be_visible()
    cancel_at = payment.auto_cancel_at.astimezone(booking.student.zone)
    expect(
        page.get_by_text(f"If no card is authorized by {cancel_at:%A} {cancel_at.day} {cancel_at:%B, %H:%M}")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="Add another card").click()
    type_card(page, "5555 5555 5555 4444", expiry="08/33")
    page.get_by_role("button", name="Save card").click()
    # Back on the fix-card page with the new card to choose.
    expect(page.get_by_text("Saved Mastercard ending 4444 (expires 08/2033).")).to_be_visible()
    expect(page.get_by_role("heading", name="Fix your card")).to_be_visible()
    page.get_by_label("Mastercard ending 4444 (expires 08/2033)").check()
    page.get_by_role("button", name="Authorize now").click()
    expect(page.get_by_text("Your card was authorized. The lesson is on.")).to_be_visible()

    payment.refresh_from_db()
    mastercard = booking.student.saved_cards.get(last4="4444")
    assert (payment.status, payment.card_cents, payment.payment_method_id) == (
        "authorized",
        10080,
        mastercard.payment_method_id,
    )
    assert [
        kind
        for kind, _ in LedgerEntry.objects.filter(payment=payment).order_by("id").values_list("kind", "amount_cents")
    ] == [
        "authorization_failed",
        "authorization",
    ]
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount, intent.payment_method) == (
        "requires_capture",
        10080,
        mastercard.payment_method_id,
    )
    # The link again: nothing left to do, and no button to authorize twice.
    page.goto(live_url + link)
    expect(page.get_by_text("Your card is authorized for this lesson")).to_be_visible()
    expect(page.get_by_role("button", name="Authorize now")).to_have_count(0)


def _downloaded_csv(page, link_name: str) -> tuple[str, list[list[str]]]:
    """Clicks the download link as a person would; returns the file's suggested name and rows."""
    import csv
    from pathlib import Path

    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name).click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    return download.suggested_filename, list(csv.reader(text.splitlines()))


def test_student_sees_refunds_and_credit_on_billing_and_downloads_the_csv_and_instructor_the_earnings_csv(
    live_url, page, browser_stripe
):
    from accounts.tests.factories import staff
    from payments.services import credit_issue, payment_refund
    from payments.tests.helpers import completed_lesson

    now = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)  # lesson at 10:00/11:00 New York
    booking, payment, when = off_the_page(completed_lesson, browser_stripe, now=now)
    off_the_page(
        payment_refund, payment=payment, amount_cents=2000, reason="Started late", staff_user=staff(), now=when
    )
    credit = off_the_page(
        credit_issue, student=booking.student, amount_cents=1500, reason="Sorry for the wait", key="sorry", now=when
    )
    lesson = f"{booking.service_name} with {booking.instructor.user.full_name}"
    student_zone, instructor_zone = booking.student.zone, booking.instructor.user.zone
    refund = LedgerEntry.objects.get(kind="refund")

    log_in(page, live_url, booking.student)
    page.goto(live_url + "/payments/billing/")
    expect(page.get_by_role("heading", name="Platform credit: $15.00")).to_be_visible()
    expires = credit.expires_at.astimezone(student_zone)
    expect(page.get_by_text(f"$15.00 (Sorry for the wait) — expires {expires.day} {expires:%B %Y}")).to_be_visible()
    history = page.get_by_role("table", name="Billing history")
    expect(history.get_by_role("row").filter(has_text="Refund to your card")).to_contain_text("−$20.00")
    received = history.get_by_role("row").filter(has_text="Platform credit received")
    expect(received).to_contain_text("Sorry for the wait")
    expect(received).to_contain_text("$15.00")
    expect(history.get_by_role("row").filter(has_text="Refund to your card").get_by_role("link")).to_have_count(0)

    name, rows = _downloaded_csv(page, "Download CSV")
    assert name == "instainstru-billing.csv"
    assert rows[0] == ["date", "time_zone", "what", "lesson", "charged_usd", "held_usd", "credit_usd", "reference"]

    def at_zone(moment):
        return f"{moment.astimezone(student_zone):%Y-%m-%d %H:%M}"

    assert sorted(rows[1:]) == sorted(
        [
            [
                at_zone(payment.authorized_at),
                student_zone.key,
                "Card authorized (not charged yet)",
                lesson,
                "",
                "100.80",
                "",
                payment.payment_intent_id,
            ],
            [
                at_zone(payment.captured_at),
                student_zone.key,
                "Card charged",
                lesson,
                "100.80",
                "",
                "",
                payment.charge_id,
            ],
            [at_zone(when), student_zone.key, "Refund to your card", lesson, "-20.00", "", "", refund.provider_id],
            [at_zone(when), student_zone.key, "Platform credit received", "Sorry for the wait", "", "", "15.00", ""],
        ]
    )
    # Summing a column gives what moved: the card paid 80.80 in the end.
    assert sum(float(row[4] or 0) for row in rows[1:]) == pytest.approx(80.80)

    page.context.clear_cookies()
    log_in(page, live_url, booking.instructor.user)
    page.goto(live_url + "/teach/earnings/")
    name, rows = _downloaded_csv(page, "Download CSV")
    assert name == "instainstru-earnings.csv"
    assert rows == [
        ["lesson_date", "service", "student", "gross_usd", "commission_usd", "tips_usd", "net_usd", "status"],
        [
            f"{booking.lesson_starts_at.astimezone(instructor_zone):%Y-%m-%d %H:%M}",
            booking.service_name,
            booking.student.full_name,
            # $20.00 of $100.80 refunded: the lesson earned 80.16% of $90.00, the instructor gave
            # back their share of the refund ($15.18 of $76.50).
            "72.14",
            "10.82",
            "0.00",
            "61.32",
            "paid",
        ],
    ]


def test_the_receipt_is_usable_on_a_phone(live_url, phone_page, browser_stripe):
    from payments.tests.helpers import completed_lesson

    now = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)
    booking, payment, _ = off_the_page(completed_lesson, browser_stripe, now=now)
    page = phone_page
    log_in(page, live_url, booking.student)
    page.goto(live_url + "/payments/billing/")
    page.get_by_role("link", name="Receipt").first.click()
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    amounts = page.get_by_role("table", name="Amounts")
    for label, amount in (("Lesson", "$90.00"), ("Booking fee", "$10.80"), ("Charged to Visa ending 4242", "$100.80")):
        row = amounts.get_by_role("row").filter(has_text=label)
        expect(row).to_have_count(1)
        expect(row.get_by_text(amount, exact=True)).to_be_in_viewport()
        box = row.get_by_text(amount, exact=True).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (label, box)
    expect(page.get_by_role("link", name="Back to billing")).to_be_visible()
    assert payment.public_id in page.content()
