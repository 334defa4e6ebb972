"""Instructors' payment pages: Stripe Connect Express onboarding and earnings."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from catalog.models import InstructorProfile
from payments import services
from payments.exports import csv_response, csv_safe, dollars_cell
from payments.pricing import dollars_text
from payments.selectors import connect_account_of, instructor_earnings
from payments.stripe_client import ProviderUnavailable


def _instructor(request) -> InstructorProfile:
    profile = InstructorProfile.objects.filter(user=request.user).first()
    if profile is None or not request.user.is_instructor:
        raise PermissionDenied("Only instructors have payouts.")
    return profile


def _onboarding_redirect(request, account):
    """Off to Stripe's onboarding pages; the return and refresh URLs name the account, so only
    its instructor can use them."""
    try:
        return redirect(
            services.connect_onboarding_link(
                account=account,
                return_url=request.build_absolute_uri(reverse("payments_connect_return", args=[account.account_id])),
                refresh_url=request.build_absolute_uri(reverse("payments_connect_refresh", args=[account.account_id])),
            )
        )
    except ProviderUnavailable as error:
        messages.error(request, str(error))
        return redirect("onboarding_step", step="payouts")


def _own_account(request, account_id: str):
    """The instructor's own Connect account named in the URL; anyone else gets a 403 or 404
    and nothing is read from Stripe or changed."""
    account = connect_account_of(instructor=_instructor(request), account_id=account_id)
    if account is None:
        raise Http404("No such payouts account.")
    return account


@login_required
@require_POST
def connect_start(request):
    """From the onboarding Payouts step: create the Express account (once), then off to Stripe."""
    profile = _instructor(request)
    try:
        account = services.connect_account_ensure(instructor=profile, now=timezone.now())
    except ProviderUnavailable as error:
        messages.error(request, str(error))
        return redirect("onboarding_step", step="payouts")
    return _onboarding_redirect(request, account)


@login_required
@require_GET
def connect_refresh(request, account_id: str):
    """Stripe sends the instructor here when a link expired or was used: a fresh link."""
    return _onboarding_redirect(request, _own_account(request, account_id))


@login_required
@require_GET
def connect_return(request, account_id: str):
    """Back from Stripe: read the account's status (account.updated webhooks keep it fresh too)."""
    own = _own_account(request, account_id)
    try:
        account = services.connect_account_refresh(instructor=own.instructor, now=timezone.now())
    except ProviderUnavailable as error:
        messages.error(request, str(error))
        return redirect("onboarding_step", step="payouts")
    if account is not None and account.can_receive_money:
        messages.success(request, "Payouts are set up. You can be paid.")
    else:
        messages.warning(request, "Stripe still needs some information before you can be paid.")
    return redirect("onboarding_step", step="payouts")


@login_required
def earnings(request):
    """Per lesson gross, commission, tips, net, pending and paid; payouts; instant payout; CSV."""
    profile = _instructor(request)
    now = timezone.now()
    key = secrets.token_urlsafe(24)
    status = 200
    if request.method == "POST":
        key = request.POST.get("key", "")
        try:
            payout = services.instant_payout_create(instructor=profile, now=now, idempotency_key=key)
        except (ValidationError, ProviderUnavailable) as error:
            # The page keeps the form's key: pressing the button again finishes this same payout
            # (if it got part-way) instead of starting a second one with a second fee.
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            status = 503 if isinstance(error, ProviderUnavailable) else 422
        else:
            messages.success(
                request,
                f"Instant payout of {dollars_text(payout.amount_cents)} sent (fee {dollars_text(payout.fee_cents)}).",
            )
            return redirect("payments_earnings")
    data = instructor_earnings(instructor=profile, now=now)
    if request.GET.get("format") == "csv":
        return csv_response(
            "instainstru-earnings.csv",
            ["lesson_date", "service", "student", "gross_usd", "commission_usd", "tips_usd", "net_usd", "status"],
            (
                [
                    row["starts_at"].astimezone(request.user.zone).strftime("%Y-%m-%d %H:%M"),
                    csv_safe(row["service"]),
                    csv_safe(row["student"]),
                    *(dollars_cell(row[f"{part}_cents"]) for part in ("gross", "commission", "tips", "net")),
                    row["status"],
                ]
                for row in data["lessons"]
            ),
        )
    return render(request, "payments/earnings.html", {**data, "zone": request.user.zone, "key": key}, status=status)
