"""Payment services. Other apps call these (see each module's docstring)."""

from payments.services.cards import (  # noqa: F401
    card_record,
    card_remove,
    card_set_default,
    card_setup_start,
    customer_ensure,
    default_card,
)
from payments.services.connect import (  # noqa: F401
    connect_account_ensure,
    connect_account_refresh,
    connect_account_sync,
    connect_onboarding_link,
    instructor_can_receive_payouts,
    instructor_payouts_missing,
)
from payments.services.credits import (  # noqa: F401
    credit_balance_cents,
    credit_issue,
    credits_expire_due,
)
from payments.services.lifecycle import (  # noqa: F401
    CheckoutDeclined,
    PaymentNotConfirmed,
    checkout_finish,
    checkout_prepare,
    payment_authorize,
    payment_authorize_now,
    payment_booking_cancelled,
    payment_booking_rescheduled,
    payment_capture,
    payment_lesson_captured,
    payment_problem_resolved,
    payment_release,
    payment_step_done,
    payment_transfer,
    payments_run_due,
)
from payments.services.payouts import connect_balance_cents, instant_payout_create  # noqa: F401
from payments.services.refunds import payment_refund  # noqa: F401
from payments.services.tips import (  # noqa: F401
    dollars_to_cents,
    tip_allowed,
    tip_create,
    tip_from_form,
)
