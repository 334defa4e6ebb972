"""Parameters: every one the server accepts is one Stripe accepts (checked against the official
SDK's request types), and values Stripe would refuse are refused with Stripe's error shape."""

from __future__ import annotations

import sys
import types
import typing

import pytest
import stripe
import stripe.params
import stripe.params.identity

from stripe_server import app  # noqa: F401 - registers the routes
from stripe_server.event_types import EVENT_TYPES
from stripe_server.expand import ANY, EXPANDABLE
from stripe_server.forms import UNSUPPORTED
from stripe_server.routing import ROUTES

# Each API route and the SDK's type of its parameters (what StripeClient's services take).
SDK_PARAMS = {
    "POST /v1/customers": "CustomerCreateParams",
    "GET /v1/customers/{}": "CustomerRetrieveParams",
    "POST /v1/customers/{}": "CustomerUpdateParams",
    "DELETE /v1/customers/{}": "CustomerDeleteParams",
    "GET /v1/customers": "CustomerListParams",
    "GET /v1/customers/{}/payment_methods": "CustomerPaymentMethodListParams",
    "GET /v1/balance": "BalanceRetrieveParams",
    "GET /v1/balance_transactions/{}": "BalanceTransactionRetrieveParams",
    "GET /v1/balance_transactions": "BalanceTransactionListParams",
    "POST /v1/payouts": "PayoutCreateParams",
    "GET /v1/payouts/{}": "PayoutRetrieveParams",
    "POST /v1/payouts/{}": "PayoutUpdateParams",
    "GET /v1/payouts": "PayoutListParams",
    "POST /v1/refunds": "RefundCreateParams",
    "GET /v1/refunds/{}": "RefundRetrieveParams",
    "POST /v1/refunds/{}": "RefundUpdateParams",
    "GET /v1/refunds": "RefundListParams",
    "GET /v1/charges/{}": "ChargeRetrieveParams",
    "GET /v1/charges": "ChargeListParams",
    "GET /v1/charges/{}/refunds": "ChargeListRefundsParams",
    "POST /v1/accounts": "AccountCreateParams",
    "GET /v1/accounts/{}": "AccountRetrieveParams",
    "GET /v1/account": "AccountRetrieveCurrentParams",
    "POST /v1/accounts/{}": "AccountUpdateParams",
    "DELETE /v1/accounts/{}": "AccountDeleteParams",
    "GET /v1/accounts": "AccountListParams",
    "POST /v1/account_links": "AccountLinkCreateParams",
    "POST /v1/accounts/{}/login_links": "AccountLoginLinkCreateParams",
    "GET /v1/disputes/{}": "DisputeRetrieveParams",
    "POST /v1/disputes/{}": "DisputeUpdateParams",
    "POST /v1/disputes/{}/close": "DisputeCloseParams",
    "GET /v1/disputes": "DisputeListParams",
    "POST /v1/identity/verification_sessions": "identity.VerificationSessionCreateParams",
    "GET /v1/identity/verification_sessions/{}": "identity.VerificationSessionRetrieveParams",
    "POST /v1/identity/verification_sessions/{}": "identity.VerificationSessionUpdateParams",
    "POST /v1/identity/verification_sessions/{}/cancel": "identity.VerificationSessionCancelParams",
    "GET /v1/identity/verification_sessions": "identity.VerificationSessionListParams",
    "POST /v1/payment_methods": "PaymentMethodCreateParams",
    "GET /v1/payment_methods/{}": "PaymentMethodRetrieveParams",
    "POST /v1/payment_methods/{}": "PaymentMethodUpdateParams",
    "POST /v1/payment_methods/{}/attach": "PaymentMethodAttachParams",
    "POST /v1/payment_methods/{}/detach": "PaymentMethodDetachParams",
    "GET /v1/payment_methods": "PaymentMethodListParams",
    "POST /v1/payment_intents": "PaymentIntentCreateParams",
    "POST /v1/payment_intents/{}/confirm": "PaymentIntentConfirmParams",
    "POST /v1/payment_intents/{}/capture": "PaymentIntentCaptureParams",
    "POST /v1/payment_intents/{}/cancel": "PaymentIntentCancelParams",
    "GET /v1/payment_intents/{}": "PaymentIntentRetrieveParams",
    "POST /v1/payment_intents/{}": "PaymentIntentUpdateParams",
    "GET /v1/payment_intents": "PaymentIntentListParams",
    "POST /v1/setup_intents": "SetupIntentCreateParams",
    "POST /v1/setup_intents/{}/confirm": "SetupIntentConfirmParams",
    "POST /v1/setup_intents/{}/cancel": "SetupIntentCancelParams",
    "GET /v1/setup_intents/{}": "SetupIntentRetrieveParams",
    "POST /v1/setup_intents/{}": "SetupIntentUpdateParams",
    "GET /v1/setup_intents": "SetupIntentListParams",
    "POST /v1/transfers": "TransferCreateParams",
    "GET /v1/transfers/{}": "TransferRetrieveParams",
    "POST /v1/transfers/{}": "TransferUpdateParams",
    "GET /v1/transfers": "TransferListParams",
    "POST /v1/transfers/{}/reversals": "TransferReversalCreateParams",
    "GET /v1/transfers/{}/reversals": "TransferReversalListParams",
    "GET /v1/transfers/{}/reversals/{}": "TransferReversalRetrieveParams",
    "GET /v1/application_fees/{}": "ApplicationFeeRetrieveParams",
    "GET /v1/application_fees": "ApplicationFeeListParams",
    "POST /v1/application_fees/{}/refunds": "ApplicationFeeRefundCreateParams",
    "GET /v1/application_fees/{}/refunds": "ApplicationFeeRefundListParams",
    "POST /v1/webhook_endpoints": "WebhookEndpointCreateParams",
    "GET /v1/webhook_endpoints/{}": "WebhookEndpointRetrieveParams",
    "POST /v1/webhook_endpoints/{}": "WebhookEndpointUpdateParams",
    "DELETE /v1/webhook_endpoints/{}": "WebhookEndpointDeleteParams",
    "GET /v1/webhook_endpoints": "WebhookEndpointListParams",
    "GET /v1/events/{}": "EventRetrieveParams",
    "GET /v1/events": "EventListParams",
}
# Where the server knowingly accepts what the SDK's types do not have, and why.
DIVERGENCES = {
    "POST /v1/payment_intents/{}/confirm client_secret": "Stripe.js confirms with the publishable key and it",
    "POST /v1/setup_intents/{}/confirm client_secret": "Stripe.js confirms with the publishable key and it",
    # The SDK's API version (2026-10-28) renamed it allowed_payment_method_types; the project still
    # sends payment_method_types (reported to the payments area), so the old name stays accepted.
    "POST /v1/payment_intents payment_method_types": "the project sends it",
    "POST /v1/setup_intents payment_method_types": "the project sends it",
}
# Request options every SDK params type carries; they are headers, not parameters.
REQUEST_OPTIONS = set(stripe.RequestOptions.__annotations__)


def _route_key(route) -> str:
    path = route.pattern.pattern.strip("^$")
    while "(?P<" in path:
        start = path.index("(?P<")
        path = path[:start] + "{}" + path[path.index(")", start) + 1 :]
    return f"{route.method} {path}"


API_ROUTES = {_route_key(route): route for route in ROUTES if route.returns is not None}


def _sdk_class(name: str):
    module = stripe.params
    for part in name.split(".")[:-1]:
        module = getattr(module, part)
    return getattr(module, name.split(".")[-1])


class Sdk:
    """What one SDK parameter accepts: scalar types, literal values, nested TypedDicts, lists."""

    def __init__(self, annotation, module):
        self.required = True
        self.scalars: set = set()
        self.literals: set = set()
        self.open_string = False  # "Literal[...]|str": any string (Stripe's forward compatibility)
        self.objects: list = []
        self.items: list[Sdk] = []
        self.mapping = False
        self._add(annotation, module)

    def _add(self, annotation, module):
        if isinstance(annotation, typing.ForwardRef):
            annotation = annotation.__forward_arg__
        if isinstance(annotation, str):
            annotation = eval(annotation, vars(module))  # noqa: S307 - the SDK's own type strings
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is typing.NotRequired:
            self.required = False
            self._add(args[0], module)
        elif origin in (typing.Union, types.UnionType):
            for arg in args:
                self._add(arg, module)
        elif origin is typing.Literal:
            self.literals |= set(args)
        elif origin in (list, typing.List):  # noqa: UP006 - the SDK's spelling
            self.items.append(Sdk(args[0], module))
        elif origin in (dict, typing.Dict) or "UntypedStripeObject" in str(annotation):  # noqa: UP006
            self.mapping = True
        elif isinstance(annotation, type) and issubclass(annotation, dict):
            self.objects.append(annotation)
        elif annotation is str:
            self.scalars.add(str)
            self.open_string = True
        elif annotation in (int, bool, float):
            self.scalars.add(annotation)
        elif annotation is type(None):
            pass
        else:
            raise AssertionError(f"unexpected SDK type {annotation!r}")


def _sdk_fields(cls) -> dict[str, Sdk]:
    module = sys.modules[cls.__module__]
    return {key: Sdk(value, module) for key, value in cls.__annotations__.items() if key not in REQUEST_OPTIONS}


def mismatches(schema: dict, cls, prefix: str = "") -> list[str]:
    """Where our schema accepts something the SDK's type for these parameters does not: a
    parameter or an enum value Stripe lacks, or a parameter Stripe requires and we do not."""
    found = []
    fields = _sdk_fields(cls)
    for raw_key, kind in schema.items():
        key, required = raw_key.rstrip("!"), raw_key.endswith("!")
        name = f"{prefix}{key}"
        if key not in fields:
            found.append(f"{name}: not a Stripe parameter")
            continue
        sdk = fields[key]
        if sdk.required and not required:
            found.append(f"{name}: required on Stripe, optional here")
        found += _kind_mismatches(kind, sdk, name)
    return found


def _kind_mismatches(kind, sdk: Sdk, name: str) -> list[str]:
    if kind is UNSUPPORTED:
        return []
    if isinstance(kind, tuple):
        return [problem for choice in kind for problem in _kind_mismatches(choice, sdk, name)]
    if isinstance(kind, dict):
        if not sdk.objects:
            return [f"{name}: an object here, not on Stripe"]
        return mismatches(kind, sdk.objects[0], f"{name}.")
    if kind == "range":
        bounds = [] if sdk.objects else [f"{name}: Stripe takes no gt/gte/lt/lte bounds"]
        return _kind_mismatches("int", sdk, name) + bounds
    if kind == "metadata":
        return [] if sdk.mapping else [f"{name}: metadata here, not on Stripe"]
    if kind in ("strlist",) or kind.startswith("list:"):
        if not sdk.items:
            return [f"{name}: a list here, not on Stripe"]
        item = "str" if kind == "strlist" else kind[5:]
        return _kind_mismatches(item, sdk.items[0], f"{name}[]")
    if kind.startswith("enum:"):
        values = {value for value in kind[5:].split("|") if value}
        unknown = values - sdk.literals if sdk.literals or not sdk.open_string else set()
        if "" in kind[5:].split("|") and "" not in sdk.literals and not sdk.open_string:
            unknown.add("")
        return [f"{name}: {sorted(unknown)} not among Stripe's values"] if unknown else []
    if kind == "event_type":
        known = EVENT_TYPES <= sdk.literals or (sdk.open_string and not sdk.literals)
        return [] if known else [f"{name}: event types Stripe does not list"]
    expected = {"str": str, "currency": str, "int": int, "bool": bool}[kind]
    return [] if expected in sdk.scalars else [f"{name}: {kind} here, {sdk.scalars or sdk.literals} on Stripe"]


def test_every_api_route_is_mapped_to_the_sdks_parameter_type():
    assert set(API_ROUTES) == set(SDK_PARAMS)


@pytest.mark.parametrize("key", sorted(SDK_PARAMS))
def test_parameters_accepted_are_parameters_stripe_accepts(key):
    """Every parameter (at every depth), whether it is required, and every enum value the server
    accepts is one the official SDK's type for that request has."""
    route = API_ROUTES[key]
    assert route.schema is not None, f"{key} checks no parameters"
    found = mismatches(route.schema, _sdk_class(SDK_PARAMS[key]))
    assert [problem for problem in found if f"{key} {problem.split(':')[0]}" not in DIVERGENCES] == []


def test_each_divergence_is_still_one():
    for entry in DIVERGENCES:
        method, path, name = entry.split(" ")
        key = f"{method} {path}"
        assert any(p.startswith(f"{name}:") for p in mismatches(API_ROUTES[key].schema, _sdk_class(SDK_PARAMS[key])))


def test_event_types_are_stripes():
    annotation = stripe.params.WebhookEndpointCreateParams.__annotations__["enabled_events"]
    (literal,) = typing.get_args(annotation)
    assert set(typing.get_args(literal)) - {"*"} == EVENT_TYPES


def _expandable_in_sdk(cls, prefix="", depth=0) -> dict[str, str]:
    """Fields the SDK types as ``str | <Object>`` (an id or the expanded object), nested ones too."""
    found = {}
    for key, annotation in cls.__annotations__.items():
        args = typing.get_args(annotation)
        references = [arg.__forward_arg__ for arg in args if isinstance(arg, typing.ForwardRef)]
        if str in args and references:
            found[prefix + key] = references[0]
        elif depth < 2:
            for arg in args or (annotation,):
                if isinstance(arg, type) and issubclass(arg, stripe.StripeObject) and "." in arg.__qualname__:
                    found.update(_expandable_in_sdk(arg, f"{prefix}{key}.", depth + 1))
    return found


SDK_OBJECTS = {
    "payment_intent": stripe.PaymentIntent,
    "charge": stripe.Charge,
    "refund": stripe.Refund,
    "customer": stripe.Customer,
    "payment_method": stripe.PaymentMethod,
    "setup_intent": stripe.SetupIntent,
    "transfer": stripe.Transfer,
    "transfer_reversal": stripe.TransferReversal,
    "application_fee": stripe.ApplicationFee,
    "fee_refund": stripe.ApplicationFeeRefund,
    "balance_transaction": stripe.BalanceTransaction,
    "payout": stripe.Payout,
    "dispute": stripe.Dispute,
}


@pytest.mark.parametrize("kind", sorted(EXPANDABLE))
def test_expandable_fields_are_expandable_on_stripe(kind):
    sdk = _expandable_in_sdk(SDK_OBJECTS[kind])
    for path, target in EXPANDABLE[kind].items():
        assert path in sdk, (kind, path)
        if target != ANY:
            assert "".join(part.capitalize() for part in target.split("_")) == sdk[path], (kind, path)


# -- the same rules through the SDK ------------------------------------------------------------------


def refused(call, *args, **params) -> stripe.error.InvalidRequestError:
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        call(*args, **params)
    assert raised.value.http_status == 400
    assert raised.value.json_body["error"]["type"] == "invalid_request_error"
    return raised.value


def intent_ids() -> list[str]:
    return [intent.id for intent in stripe.PaymentIntent.list(limit=100).auto_paging_iter()]


@pytest.mark.parametrize(
    ("call", "params", "param"),
    [
        (stripe.Account.create, {"business_profile": {"bogus": "x"}}, "business_profile[bogus]"),
        (stripe.Account.create, {"settings": {"bogus": "x"}}, "settings[bogus]"),
        (
            stripe.Account.create,
            {"settings": {"payouts": {"schedule": {"bogus": "1"}}}},
            "settings[payouts][schedule][bogus]",
        ),
        (stripe.Account.create, {"capabilities": {"transfers": {"bogus": "true"}}}, "capabilities[transfers][bogus]"),
        (stripe.Account.create, {"tos_acceptance": {"bogus": "1"}}, "tos_acceptance[bogus]"),
        (stripe.identity.VerificationSession.create, {"type": "document", "options": {"bogus": "1"}}, "options[bogus]"),
        (
            stripe.identity.VerificationSession.create,
            {"type": "document", "options": {"document": {"bogus": "1"}}},
            "options[document][bogus]",
        ),
        (stripe.Customer.create, {"metadata": {"nested": {"deeper": "x"}}}, "metadata"),
    ],
)
def test_unknown_nested_parameters_are_refused_and_create_nothing(call, params, param):
    accounts = [account.id for account in stripe.Account.list(limit=100).auto_paging_iter()]
    error = refused(call, **params)
    assert error.param == param
    assert error.code == ("parameter_invalid_object" if param == "metadata" else "parameter_unknown")
    assert [account.id for account in stripe.Account.list(limit=100).auto_paging_iter()] == accounts


def test_nested_parameters_stripe_knows_are_applied():
    account = stripe.Account.create(
        type="express",
        business_profile={"name": "Ana's Piano", "mcc": "8299"},
        settings={"payouts": {"schedule": {"interval": "manual"}}},
        tos_acceptance={"date": 1_900_000_000, "ip": "127.0.0.1"},
    )
    assert (account.business_profile.name, account.business_profile.mcc) == ("Ana's Piano", "8299")
    assert account.settings.payouts.schedule.to_dict() == {"delay_days": 2, "interval": "manual"}
    assert (account.tos_acceptance.date, account.tos_acceptance.ip) == (1_900_000_000, "127.0.0.1")
    updated = stripe.Account.modify(account.id, business_profile={"url": "https://example.com"})
    assert (updated.business_profile.name, updated.business_profile.url) == ("Ana's Piano", "https://example.com")
    session = stripe.identity.VerificationSession.create(
        type="document", options={"document": {"require_matching_selfie": True, "allowed_types": ["passport"]}}
    )
    assert session.options.document.to_dict() == {"require_matching_selfie": True, "allowed_types": ["passport"]}


def test_stripe_parameters_the_server_does_not_model_are_refused_not_ignored():
    before = intent_ids()
    error = refused(
        stripe.PaymentIntent.create,
        amount=1000,
        currency="usd",
        payment_method_options={"card": {"request_three_d_secure": "any"}},
    )
    assert (error.param, error.code) == ("payment_method_options", "parameter_unknown")
    assert "does not model" in error.user_message
    assert intent_ids() == before


def test_off_session_is_a_boolean_or_one_off_or_recurring(customer_with_card):
    error = refused(stripe.PaymentIntent.create, amount=1000, currency="usd", confirm=True, off_session="banana")
    assert (error.param, error.code) == ("off_session", "parameter_invalid_string")
    assert (
        error.user_message == "Invalid off_session: must be a boolean (true or false) or one of one_off, or recurring"
    )
    customer, setup = customer_with_card("pm_card_authenticationRequired")
    with pytest.raises(stripe.error.CardError) as raised:  # "recurring" is off-session: no one to authenticate
        stripe.PaymentIntent.create(
            amount=1000,
            currency="usd",
            customer=customer.id,
            payment_method=setup.payment_method,
            confirm=True,
            off_session="recurring",
        )
    assert raised.value.code == "authentication_required"


def test_currency_must_be_one_stripe_supports_and_is_answered_in_lowercase(connected_account):
    before = intent_ids()
    error = refused(stripe.PaymentIntent.create, amount=1000, currency="zzz")
    assert error.param == "currency"
    assert error.user_message.startswith("Invalid currency: zzz. Stripe currently supports these currencies: usd, aed,")
    # A real currency this server does not model (balances are in dollars) says so.
    error = refused(stripe.PaymentIntent.create, amount=1000, currency="eur")
    assert error.param == "currency" and "models usd only" in error.user_message
    assert intent_ids() == before
    assert stripe.PaymentIntent.create(amount=1000, currency="USD").currency == "usd"
    account = connected_account()
    assert refused(stripe.Transfer.create, amount=100, currency="zzz", destination=account.id).param == "currency"
    payout = refused(stripe.Payout.create, amount=100, currency="gbp", stripe_account=account.id)
    assert payout.param == "currency"


def test_enabled_events_are_stripe_event_types_or_star():
    before = [endpoint.id for endpoint in stripe.WebhookEndpoint.list(limit=100)]
    error = refused(
        stripe.WebhookEndpoint.create, url="http://127.0.0.1:9/hook", enabled_events=["charge.refunded", "charge.oops"]
    )
    assert (error.param, error.code) == ("enabled_events[1]", "parameter_invalid_string")
    assert error.user_message.startswith("Invalid enabled_events[1]: 'charge.oops' is not a Stripe event type")
    assert refused(stripe.WebhookEndpoint.create, url="http://127.0.0.1:9/hook", enabled_events=[]).param == (
        "enabled_events"
    )
    assert [endpoint.id for endpoint in stripe.WebhookEndpoint.list(limit=100)] == before
    endpoint = stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hook", enabled_events=["payout.paid"])
    assert refused(stripe.WebhookEndpoint.modify, endpoint.id, enabled_events=["payout.lost"]).param == (
        "enabled_events[0]"
    )
    assert stripe.WebhookEndpoint.retrieve(endpoint.id).enabled_events == ["payout.paid"]
    stripe.WebhookEndpoint.delete(endpoint.id)


def test_expand_paths_are_checked_before_anything_happens(connected_account):
    before = intent_ids()
    events = [event.id for event in stripe.Event.list(limit=100)]
    error = refused(
        stripe.PaymentIntent.create,
        amount=1000,
        currency="usd",
        payment_method="pm_card_visa",
        expand=["lastest_charge"],
    )
    assert error.param == "expand"
    assert error.user_message.startswith("This property cannot be expanded (lastest_charge).")
    assert intent_ids() == before and [event.id for event in stripe.Event.list(limit=100)] == events
    deep = "latest_charge.balance_transaction.source.customer.invoice_settings"
    assert refused(stripe.PaymentIntent.list, expand=["latest_charge"]).user_message.startswith(
        "This property cannot be expanded (latest_charge). On a list, expand the fields of its items: data."
    )
    assert "more than 4 levels" in refused(stripe.PaymentIntent.list, expand=[f"data.{deep}"]).user_message
    assert refused(stripe.Charge.list, expand=["data.latest_charge"]).param == "expand"

    account = connected_account()
    intent = stripe.PaymentIntent.create(
        amount=1000,
        currency="usd",
        payment_method="pm_card_visa",
        confirm=True,
        transfer_data={"destination": account.id},
        expand=["latest_charge.balance_transaction", "transfer_data.destination"],
    )
    assert intent.latest_charge.balance_transaction.object == "balance_transaction"
    assert intent.transfer_data.destination.id == account.id
    listed = stripe.Charge.list(limit=1, expand=["data.transfer.destination"]).data[0]
    assert listed.transfer.destination.id == account.id


def test_list_filters_by_creation_time_and_refuses_a_limit_over_100(fresh):
    fresh.set_clock(1_900_000_000)
    first = stripe.Customer.create()
    fresh.advance(60)
    second = stripe.Customer.create()
    assert [c.id for c in stripe.Customer.list(created={"gte": 1_900_000_060})] == [second.id]
    assert [c.id for c in stripe.Customer.list(created={"lt": 1_900_000_060})] == [first.id]
    assert [c.id for c in stripe.Customer.list(created=1_900_000_000)] == [first.id]
    error = refused(stripe.Customer.list, limit=101)
    assert (error.param, error.code) == ("limit", "parameter_invalid_integer")
