"""Identity verification through an adapter.

`verification_start` asks the configured adapter (settings.IDENTITY_VERIFICATION_ADAPTER) to
begin a check. The local adapter, StaffReviewAdapter, only queues the request: staff approve
or reject it in the admin (the reason is shown to the instructor). A provider such as Stripe
Identity implements `begin(request) -> redirect URL or None` (the onboarding step sends the
instructor there) and calls `verification_decide` from its webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string

from catalog.models import InstructorProfile, VerificationRequest


class StaffReviewAdapter:
    name = "staff_review"

    def begin(self, request: VerificationRequest) -> str | None:
        return None  # nothing to redirect to: it waits in the admin queue


def get_adapter():
    dotted = getattr(settings, "IDENTITY_VERIFICATION_ADAPTER", "catalog.verification.StaffReviewAdapter")
    return import_string(dotted)()


@dataclass(frozen=True)
class VerificationStarted:
    request: VerificationRequest
    # Where the instructor goes next (a provider's hosted check), or None to wait for staff review.
    redirect_url: str | None


def verification_start(*, instructor: InstructorProfile, now: datetime) -> VerificationStarted:
    """Opens a verification request through the configured adapter and returns it with the URL the
    adapter wants the instructor sent to. Idempotent: a pending request is returned (with the
    adapter's URL for it again, so an abandoned provider check can be continued), an approved one
    as it is. `adapter.begin(request)` may set `provider_reference`; if it raises, nothing is stored.
    """
    adapter = get_adapter()
    with transaction.atomic():
        profile = InstructorProfile.objects.select_for_update().get(pk=instructor.pk)
        current = profile.verifications.order_by("-submitted_at", "-pk").first()
        if current and current.status == VerificationRequest.Status.APPROVED:
            return VerificationStarted(request=current, redirect_url=None)
        if current and current.status == VerificationRequest.Status.PENDING:
            url = adapter.begin(current) if current.provider == adapter.name else None
            return VerificationStarted(request=current, redirect_url=url)
        request = VerificationRequest.objects.create(instructor=profile, provider=adapter.name, submitted_at=now)
        url = adapter.begin(request)
        if request.provider_reference:
            request.save(update_fields=["provider_reference"])
    return VerificationStarted(request=request, redirect_url=url)


def verification_decide(
    *, verification: VerificationRequest, approve: bool, reason: str = "", decided_by=None, now: datetime
) -> VerificationRequest:
    """Pending → approved or rejected (a rejection needs a reason the instructor will see)."""
    if not approve and not reason.strip():
        raise ValidationError("Give the instructor a reason for the rejection.")
    with transaction.atomic():
        locked = VerificationRequest.objects.select_for_update().get(pk=verification.pk)
        target = VerificationRequest.Status.APPROVED if approve else VerificationRequest.Status.REJECTED
        if locked.status == target:
            return locked
        if locked.status != VerificationRequest.Status.PENDING:
            raise ValidationError(f"This verification was already {locked.get_status_display().lower()}.")
        locked.status = target
        locked.reason = "" if approve else reason.strip()
        locked.decided_at = now
        locked.decided_by = decided_by
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        profile = locked.instructor
        user = profile.user
        title = "Your identity is verified" if approve else "Your identity verification needs another try"
        body = "You can now go live." if approve else f"Reason: {locked.reason}"
        _notify(user, title, body)
    return locked


def _notify(user, title: str, body: str) -> None:
    from notifications.services import notification_create  # pushes after commit itself

    notification_create(user=user, kind="verification", title=title, body=body, url="/teach/onboarding/verification/")
