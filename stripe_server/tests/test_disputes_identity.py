# ruff: noqa: S310 - these tests open the http:// URLs the local server handed out.
"""Disputes opened by the test helper, and identity sessions decided by the page or the helper."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest
import stripe


def paid_charge():
    intent = stripe.PaymentIntent.create(amount=4000, currency="usd", payment_method="pm_card_visa", confirm=True)
    return stripe.Charge.retrieve(intent.latest_charge)


def test_dispute_lost_through_the_api(server):
    charge = paid_charge()
    dispute = server.open_dispute(charge.id, reason="fraudulent")
    assert (dispute["amount"], dispute["status"], dispute["charge"]) == (4000, "needs_response", charge.id)
    assert stripe.Charge.retrieve(charge.id).disputed is True
    updated = stripe.Dispute.modify(dispute["id"], evidence={"uncategorized_text": "Lesson took place."})
    assert updated.status == "under_review"
    closed = stripe.Dispute.close(dispute["id"])
    assert closed.status == "lost"
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Dispute.close(dispute["id"])


def test_dispute_won_reinstates_funds(server):
    charge = paid_charge()
    dispute = server.open_dispute(charge.id, amount=2500)
    won = server.close_dispute(dispute["id"], "won")
    assert won["status"] == "won"
    kinds = [(t["amount"], t["fee"]) for t in won["balance_transactions"]]
    assert kinds == [(-2500, 1500), (2500, 0)]
    assert [d.id for d in stripe.Dispute.list(charge=charge.id)] == [dispute["id"]]


def test_identity_session_via_page_and_helper(server):
    session = stripe.identity.VerificationSession.create(type="document", metadata={"user": "7"})
    assert (session.status, session.object) == ("requires_input", "identity.verification_session")
    page = urllib.request.urlopen(session.url).read().decode()
    assert "Verify" in page and "Fail" in page
    action = urllib.parse.urljoin(session.url, re.search(r'action="([^"]+)"', page).group(1))
    urllib.request.urlopen(action, data=urllib.parse.urlencode({"outcome": "requires_input", "page": "1"}).encode())
    failed = stripe.identity.VerificationSession.retrieve(session.id)
    assert (failed.status, failed.last_error.code) == ("requires_input", "document_unverified_other")
    verified = server.decide_identity(session.id, "verified")
    assert verified["status"] == "verified" and verified["last_error"] is None
    other = stripe.identity.VerificationSession.create(type="document")
    assert stripe.identity.VerificationSession.cancel(other.id).status == "canceled"


@pytest.mark.parametrize("outcome", [None, "won", "lost"])
def test_a_charged_back_charge_cannot_be_refunded(server, outcome):
    """The bank already took the money back: a refund on top would pay the cardholder twice."""
    charge = paid_charge()
    dispute = server.open_dispute(charge.id)
    if outcome:
        server.close_dispute(dispute["id"], outcome)
    balance_before = stripe.Balance.retrieve()
    events_before = [e.id for e in stripe.Event.list(type="charge.refunded", limit=100)]
    for params in ({"charge": charge.id}, {"payment_intent": charge.payment_intent, "amount": 100}):
        with pytest.raises(stripe.error.InvalidRequestError) as raised:
            stripe.Refund.create(**params)
        assert (raised.value.http_status, raised.value.code) == (400, "charge_disputed")
        assert raised.value.user_message == f"Charge {charge.id} has been charged back; cannot issue a refund."
    after = stripe.Charge.retrieve(charge.id)
    assert (after.amount_refunded, after.refunded, after.refunds.data) == (0, False, [])
    assert stripe.Refund.list(charge=charge.id).data == []
    assert stripe.Balance.retrieve().to_dict() == balance_before.to_dict()
    assert [e.id for e in stripe.Event.list(type="charge.refunded", limit=100)] == events_before
