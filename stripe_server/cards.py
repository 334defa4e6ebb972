"""Stripe's test cards and what each does, per https://docs.stripe.com/testing.

``attach_error`` fails when the card is attached or set up (Stripe checks the card then);
``charge_error`` fails every charge; ``three_ds`` says when the bank asks for authentication:
``"always"`` on every payment including off-session ones, ``"setup"`` until the card has been set
up with a SetupIntent, after which off-session payments need none.

Cards marked LOCAL-ONLY below do not exist on Stripe. Stripe's own lost/stolen cards fail already
when they are attached, so nothing on Stripe lets a test save a card and then see a hard decline on
a later (off-session) charge; the local-only card does that. Against real Stripe, such a test needs
another way in (e.g. 4000000000000341 gives a soft decline only).

A card whose expiry (end of its `exp_month`) has passed by the server clock is declined with
`expired_card` when charged, as the issuer would.
"""

from __future__ import annotations

DECLINES = {
    "generic_decline": ("card_declined", "generic_decline", "Your card was declined."),
    "insufficient_funds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "expired_card": ("expired_card", "expired_card", "Your card has expired."),
    "incorrect_cvc": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    "lost_card": ("card_declined", "lost_card", "Your card was declined."),
    "stolen_card": ("card_declined", "stolen_card", "Your card was declined."),
}

_DEFAULT = {"brand": "visa", "attach_error": None, "charge_error": None, "three_ds": None}

CARDS = {
    "4242424242424242": {},
    "4000056655665556": {"funding": "debit"},
    "5555555555554444": {"brand": "mastercard"},
    "378282246310005": {"brand": "amex"},
    "4000000000000002": {"attach_error": "generic_decline", "charge_error": "generic_decline"},
    "4000000000009995": {"attach_error": "insufficient_funds", "charge_error": "insufficient_funds"},
    "4000000000000069": {"attach_error": "expired_card", "charge_error": "expired_card"},
    "4000000000000127": {"attach_error": "incorrect_cvc", "charge_error": "incorrect_cvc"},
    "4000000000000341": {"charge_error": "generic_decline"},
    "4000000000009987": {"attach_error": "lost_card", "charge_error": "lost_card"},
    "4000000000009979": {"attach_error": "stolen_card", "charge_error": "stolen_card"},
    # LOCAL-ONLY (not a Stripe test card): attaches and sets up fine, every charge is a hard
    # decline (lost_card), so tests can see a saved card fail at the T−24 h authorization.
    "4000000000003410": {"charge_error": "lost_card"},
    "4000002760003184": {"three_ds": "always"},
    "4000000000003220": {"three_ds": "always"},
    "4000002500003155": {"three_ds": "setup"},
    # Funds go straight to the available balance (Stripe's way to fund a test platform).
    "4000000000000077": {"available_now": True},
}

SHORTCUTS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_local_chargeCustomerFailLostCard": "4000000000003410",  # LOCAL-ONLY
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_bypassPending": "4000000000000077",
}
# tok_visa-style tokens are accepted where the SDK sends card[token].
TOKENS = {"tok_" + name[len("pm_card_") :]: number for name, number in SHORTCUTS.items()}


def behaviour(number: str) -> dict:
    """How a card number behaves; unknown numbers that pass Luhn behave like 4242."""
    return {**_DEFAULT, "funding": "credit", "available_now": False, **CARDS.get(number, {})}


def expired(exp_month: int, exp_year: int, now: int) -> bool:
    """True once the month printed on the card has ended (by the server clock, UTC)."""
    import datetime

    today = datetime.datetime.fromtimestamp(now, datetime.UTC)
    return (exp_year, exp_month) < (today.year, today.month)


def brand_of(number: str) -> str:
    known = CARDS.get(number, {}).get("brand")
    if known:
        return known
    if number.startswith("34") or number.startswith("37"):
        return "amex"
    if number[:1] == "5" or number[:1] == "2":
        return "mastercard"
    return "visa"


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
