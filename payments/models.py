"""Payments: the money side of a booking, separate from the booking's own state.

- `Payment` is one attempt to get paid for a lesson (or a tip), with its own state machine
  (`PAYMENT_TRANSITIONS`) and the `*_due_at` times the periodic sweeps act on.
- `LedgerEntry` is every movement of money, one row each, with a unique idempotency key; balances
  per booking, instructor and student are sums over it (`payments.selectors.ledger_balances`).
- `Credit` is platform credit a student holds; `CreditUse` reserves part of it on a payment.
- `WebhookEvent` stores each Stripe event once.

Money moves as "separate charges and transfers": the student's card is charged on the platform
account; the instructor's share is transferred to their Connect account when the payment settles.
That lets captures wait for a restricted account, lets credit fund part of an instructor's share
from the platform's balance, and lets a dispute hold the money: a transfer not made yet waits, one
made stays in the instructor's account out of every payout until the dispute is decided.
"""

from django.conf import settings
from django.db import models

from instainstru.core.ids import PublicIdField


class StripeCustomer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer")
    customer_id = models.CharField(max_length=64, unique=True)
    setup_intent_id = models.CharField(max_length=64, blank=True, help_text="The saved-cards page's open SetupIntent.")
    default_changes = models.PositiveIntegerField(default=0, help_text="Numbers each change of default card.")
    created_at = models.DateTimeField()

    def __str__(self):
        return self.customer_id


class SavedCard(models.Model):
    public_id = PublicIdField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_cards")
    payment_method_id = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-is_default", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True), name="one_default_card"),
        ]

    def __str__(self):
        return f"{self.brand} •••• {self.last4}"

    @property
    def label(self) -> str:
        return f"{self.brand.title()} ending {self.last4} (expires {self.exp_month:02d}/{self.exp_year})"


class ConnectAccount(models.Model):
    instructor = models.OneToOneField(
        "catalog.InstructorProfile", on_delete=models.PROTECT, related_name="connect_account"
    )
    account_id = models.CharField(max_length=64, unique=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    transfers_active = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)
    onboarding_links = models.PositiveIntegerField(default=0, help_text="Numbers each onboarding link made.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self):
        return self.account_id

    @property
    def can_receive_money(self) -> bool:
        return self.transfers_active and self.payouts_enabled

    @property
    def is_restricted(self) -> bool:
        return self.details_submitted and not self.can_receive_money


class PaymentKind(models.TextChoices):
    LESSON = "lesson", "Lesson"
    TIP = "tip", "Tip"


class PaymentStatus(models.TextChoices):
    AWAITING_CARD = "awaiting_card", "Waiting for the card"
    CARD_SAVED = "card_saved", "Card saved, authorization scheduled"
    AUTHORIZATION_FAILED = "authorization_failed", "Authorization failed"
    AUTHORIZED = "authorized", "Authorized"
    CAPTURED = "captured", "Charged"
    CANCELED = "canceled", "Nothing charged"
    REFUNDED = "refunded", "Refunded"


PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.AWAITING_CARD: frozenset(
        {PaymentStatus.CARD_SAVED, PaymentStatus.AUTHORIZED, PaymentStatus.CANCELED}
    ),
    PaymentStatus.CARD_SAVED: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.AUTHORIZATION_FAILED, PaymentStatus.CANCELED, PaymentStatus.CAPTURED}
    ),
    PaymentStatus.AUTHORIZATION_FAILED: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.AUTHORIZATION_FAILED, PaymentStatus.CANCELED}
    ),
    # Back to CARD_SAVED when a reschedule cancels the authorization to authorize again.
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.CANCELED, PaymentStatus.CARD_SAVED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.CANCELED: frozenset(),
    PaymentStatus.REFUNDED: frozenset(),
}


class Settlement(models.TextChoices):
    """What the payment settles as, decided by the booking's outcome."""

    LESSON = "lesson", "Lesson delivered: charge and pay the instructor"
    PARTIAL = "partial", "Partly completed: partial charge, same split"
    LATE_CANCEL = "late_cancel", "Cancelled 12–24 h before: charge, instructor nothing, credit back"
    FREE = "free", "Nothing charged"


class Payment(models.Model):
    public_id = PublicIdField()
    kind = models.CharField(max_length=8, choices=PaymentKind.choices, default=PaymentKind.LESSON)
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="payments")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.PROTECT, related_name="payments")
    status = models.CharField(max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.AWAITING_CARD)
    currency = models.CharField(max_length=3, default="usd")

    # Fixed when the booking was made (tier included); the settlement may charge less.
    lesson_price_cents = models.PositiveIntegerField()
    booking_fee_cents = models.PositiveIntegerField()
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)
    commission_cents = models.PositiveIntegerField()
    credit_applied_cents = models.PositiveIntegerField(default=0)
    card_cents = models.PositiveIntegerField(help_text="What the card is authorized for.")
    instructor_share_cents = models.PositiveIntegerField(help_text="What the instructor receives when it settles.")

    settlement = models.CharField(max_length=12, choices=Settlement.choices, default=Settlement.LESSON)
    settle_price_cents = models.PositiveIntegerField(null=True, blank=True, help_text="Lesson price charged (partial).")

    payment_method_id = models.CharField(max_length=64, blank=True)
    setup_intent_id = models.CharField(max_length=64, blank=True)
    payment_intent_id = models.CharField(max_length=64, blank=True, db_index=True)
    charge_id = models.CharField(max_length=64, blank=True, db_index=True)

    authorize_due_at = models.DateTimeField(null=True, blank=True)
    authorization_attempts = models.PositiveSmallIntegerField(default=0)
    authorization_failures = models.PositiveSmallIntegerField(default=0)
    needs_student_action = models.BooleanField(default=False)
    last_decline_code = models.CharField(max_length=60, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    auto_cancel_at = models.DateTimeField(null=True, blank=True)
    authorized_at = models.DateTimeField(null=True, blank=True)
    capture_before = models.DateTimeField(null=True, blank=True)
    capture_due_at = models.DateTimeField(null=True, blank=True)
    release_due_at = models.DateTimeField(null=True, blank=True)
    reauthorize = models.BooleanField(default=False, help_text="Release the authorization, then authorize again.")
    captured_cents = models.PositiveIntegerField(default=0)
    captured_at = models.DateTimeField(null=True, blank=True)
    refunded_cents = models.PositiveIntegerField(default=0)
    transfer_due_at = models.DateTimeField(null=True, blank=True)
    transferred_cents = models.PositiveIntegerField(default=0)
    payout_held = models.BooleanField(default=False, help_text="A dispute holds the instructor's money.")
    take_back_due_at = models.DateTimeField(
        null=True, blank=True, help_text="A lost dispute: the instructor's share is taken back then."
    )
    attempt = models.PositiveSmallIntegerField(
        default=0, help_text="Bumped when Stripe refuses a step, so the next try has a new idempotency key."
    )
    sweep_error = models.CharField(max_length=300, blank=True, help_text="Why the last sweep of it failed.")
    sweep_error_at = models.DateTimeField(null=True, blank=True)
    request_key = models.CharField(max_length=120, blank=True, help_text="The form's key for a tip (replays).")

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["authorize_due_at"], name="payment_authorize_due"),
            models.Index(fields=["capture_due_at"], name="payment_capture_due"),
            models.Index(fields=["release_due_at"], name="payment_release_due"),
            models.Index(fields=["transfer_due_at"], name="payment_transfer_due"),
            models.Index(fields=["auto_cancel_at"], name="payment_auto_cancel"),
            models.Index(fields=["take_back_due_at"], name="payment_take_back_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=models.Q(kind=PaymentKind.LESSON), name="one_lesson_payment_per_booking"
            ),
            models.UniqueConstraint(
                fields=["booking"], condition=models.Q(kind=PaymentKind.TIP), name="one_tip_per_booking"
            ),
            models.CheckConstraint(
                condition=models.Q(card_cents__gte=models.F("captured_cents")), name="payment_capture_within_card"
            ),
            models.CheckConstraint(
                condition=models.Q(captured_cents__gte=models.F("refunded_cents")), name="payment_refund_within_capture"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.public_id} ({self.status})"

    def can_become(self, status: str) -> bool:
        return status in PAYMENT_TRANSITIONS[self.status]


class Credit(models.Model):
    public_id = PublicIdField()
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credits")
    amount_cents = models.PositiveIntegerField()
    remaining_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    source_booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    expired_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining_cents__lte=models.F("amount_cents")), name="credit_remaining_within_amount"
            ),
        ]

    def __str__(self):
        return f"{self.amount_cents}¢ credit ({self.remaining_cents}¢ left)"


class CreditUse(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        USED = "used", "Used"
        RESTORED = "restored", "Restored"

    credit = models.ForeignKey(Credit, on_delete=models.PROTECT, related_name="uses")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="credit_uses")
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["credit", "payment"], name="one_use_per_credit_and_payment")]

    def __str__(self):
        return f"{self.amount_cents}¢ of credit {self.credit_id} ({self.status})"


class LedgerKind(models.TextChoices):
    AUTHORIZATION = "authorization", "Card authorized"
    AUTHORIZATION_FAILED = "authorization_failed", "Authorization failed"
    CAPTURE = "capture", "Card charged"
    RELEASE = "release", "Authorization released"
    REFUND = "refund", "Refund"
    TRANSFER = "transfer", "Paid to instructor"
    REVERSAL = "reversal", "Taken back from instructor"
    PAYOUT = "payout", "Payout to bank"
    PAYOUT_FEE = "payout_fee", "Instant payout fee"
    PAYOUT_FAILED = "payout_failed", "Payout returned"
    CREDIT_ISSUED = "credit_issued", "Credit issued"
    CREDIT_RESERVED = "credit_reserved", "Credit reserved"
    CREDIT_USED = "credit_used", "Credit used"
    CREDIT_RESTORED = "credit_restored", "Credit restored"
    CREDIT_EXPIRED = "credit_expired", "Credit expired"
    TIP = "tip", "Tip charged"
    DISPUTE = "dispute", "Dispute opened"
    DISPUTE_WON = "dispute_won", "Dispute won"
    DISPUTE_LOST = "dispute_lost", "Dispute lost"
    DEBT = "debt", "Instructor owes"
    DEBT_RECOVERED = "debt_recovered", "Debt recovered"


class LedgerEntry(models.Model):
    """One movement of money. `amount_cents` is always positive; `kind` says which way it went."""

    kind = models.CharField(max_length=24, choices=LedgerKind.choices)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    instructor = models.ForeignKey(
        "catalog.InstructorProfile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    credit = models.ForeignKey(Credit, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=160, unique=True)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["student", "occurred_at"], name="ledger_student"),
            models.Index(fields=["instructor", "occurred_at"], name="ledger_instructor"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount_cents} {self.currency}"


class InstructorDebt(models.Model):
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.PROTECT, related_name="debts")
    amount_cents = models.PositiveIntegerField()
    recovered_cents = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=200)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recovered_cents__lte=models.F("amount_cents")), name="debt_recovered_within_amount"
            ),
        ]

    def __str__(self):
        return f"{self.instructor_id} owes {self.outstanding_cents}¢"

    @property
    def outstanding_cents(self) -> int:
        return self.amount_cents - self.recovered_cents


class Payout(models.Model):
    """A payout to an instructor's bank. `status` is Stripe's (pending, paid, failed, canceled), or
    `requested` for an instant payout written before its Stripe calls (see instant_payout_create)."""

    class Method(models.TextChoices):
        STANDARD = "standard", "Standard"
        INSTANT = "instant", "Instant"

    REQUESTED = "requested"

    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.PROTECT, related_name="payouts")
    payout_id = models.CharField(max_length=64, blank=True, help_text="Stripe's id; empty while requested.")
    method = models.CharField(max_length=10, choices=Method.choices)
    amount_cents = models.PositiveIntegerField()
    fee_cents = models.PositiveIntegerField(default=0)
    fee_transfer_id = models.CharField(max_length=64, blank=True, help_text="The transfer the fee is reversed from.")
    fee_reversal_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16)
    failure = models.CharField(max_length=300, blank=True)
    arrival_date = models.DateTimeField(null=True, blank=True)
    request_key = models.CharField(max_length=120, blank=True, help_text="The form's key (replays).")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payout_id"], condition=~models.Q(payout_id=""), name="payout_id_unique_when_made"
            ),
            models.UniqueConstraint(
                fields=["instructor", "request_key"],
                condition=~models.Q(request_key=""),
                name="one_payout_per_form_key",
            ),
        ]

    def __str__(self):
        return f"{self.method} payout {self.payout_id} ({self.status})"


class Dispute(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    dispute_id = models.CharField(max_length=64, unique=True)
    amount_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=30)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Dispute {self.dispute_id} ({self.status})"


class WebhookEvent(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=80)
    account = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id} ({self.status})"
