"""Identity verification: staff decide in the admin (approve, reject with a reason the instructor
sees), a decided request cannot be decided again, and a provider adapter configured by setting
sends the instructor to its own page."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import instructor_user
from catalog.models import VerificationRequest
from catalog.services import instructor_profile_start
from catalog.verification import verification_start
from notifications.models import Notification

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 15, tzinfo=UTC)


@pytest.fixture
def pending():
    profile = instructor_profile_start(user=instructor_user(full_name="Vera Verify"))
    return verification_start(instructor=profile, now=NOW).request


def change_url(verification) -> str:
    return f"/admin/catalog/verificationrequest/{verification.pk}/change/"


def decide(staff_client, verification, decision: str, reason: str = ""):
    return staff_client.post(change_url(verification), {"decision": decision, "reason": reason, "_save": "Save"})


def notifications(verification) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(user=verification.instructor.user, kind="verification").values_list("title", "body")
    )


def test_staff_approve_in_the_admin(staff_client, pending):
    response = decide(staff_client, pending, "approve")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.reason, pending.decided_by) == ("approved", "", staff_client.staff_user)
    assert notifications(pending) == [("Your identity is verified", "You can now go live.")]


def test_staff_reject_with_a_reason_the_instructor_sees(staff_client, pending, client):
    assert decide(staff_client, pending, "reject", "  The photo ID is unreadable.  ").status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == ("rejected", "The photo ID is unreadable.")
    assert notifications(pending) == [
        ("Your identity verification needs another try", "Reason: The photo ID is unreadable.")
    ]
    client.force_login(pending.instructor.user)
    page = client.get(reverse("onboarding_step", args=["verification"])).content.decode()
    assert "Your last verification was not approved. Reason: The photo ID is unreadable." in page
    assert "Start verification" in page


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(staff_client, pending):
    response = decide(staff_client, pending, "reject", "   ")
    assert response.status_code == 200
    assert "Give the instructor a reason for the rejection." in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.decided_at) == ("pending", None)
    assert notifications(pending) == []


def test_deciding_an_already_decided_request_says_so_and_changes_nothing(staff_client, pending):
    decide(staff_client, pending, "approve")
    pending.refresh_from_db()
    decided_at = pending.decided_at
    # A second reviewer, on the page they opened before the first one decided.
    response = decide(staff_client, pending, "reject", "Looks fake")
    assert response.status_code == 200
    assert "This verification was already approved; nothing was changed." in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.reason, pending.decided_at) == ("approved", "", decided_at)
    assert len(notifications(pending)) == 1


def test_a_reason_without_a_decision_is_not_silently_dropped(staff_client, pending):
    response = decide(staff_client, pending, "", "Blurry photo")
    assert response.status_code == 200
    assert "A reason is only saved with a decision: choose Reject to send it to the instructor." in (
        response.content.decode()
    )
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == ("pending", "")
    response = decide(staff_client, pending, "approve", "Blurry photo")
    assert "An approval sends no reason: clear it, or choose Reject." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_saving_without_a_decision_keeps_it_waiting(staff_client, pending):
    assert decide(staff_client, pending, "").status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert notifications(pending) == []


# --- A provider adapter (e.g. Stripe Identity) plugs into the same flow -----------------------------


class HostedCheckAdapter:
    """Stands in for an identity provider: it 'creates a session' and returns its hosted page."""

    name = "hosted_check"

    def begin(self, request: VerificationRequest) -> str:
        request.provider_reference = request.provider_reference or f"vs_{request.pk}"
        return f"https://identity.example.com/start/{request.provider_reference}"


class FailingAdapter:
    name = "failing"

    def begin(self, request: VerificationRequest) -> str:
        raise ConnectionError("provider down")


def test_a_provider_adapter_sends_the_instructor_to_its_page(settings, client):
    settings.IDENTITY_VERIFICATION_ADAPTER = "catalog.tests.test_verification.HostedCheckAdapter"
    user = instructor_user()
    client.force_login(user)
    url = reverse("onboarding_step", args=["verification"])
    response = client.post(url)
    request = VerificationRequest.objects.get()
    assert (request.provider, request.provider_reference, request.status) == (
        "hosted_check", f"vs_{request.pk}", "pending"
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"https://identity.example.com/start/vs_{request.pk}"
    # Coming back and pressing the button again continues the same check; from HTMX too.
    again = client.post(url, headers={"HX-Request": "true"})
    assert again.status_code == 204
    assert again["HX-Redirect"] == f"https://identity.example.com/start/vs_{request.pk}"
    assert VerificationRequest.objects.count() == 1


def test_a_failing_provider_stores_no_request(settings):
    settings.IDENTITY_VERIFICATION_ADAPTER = "catalog.tests.test_verification.FailingAdapter"
    profile = instructor_profile_start(user=instructor_user())
    with pytest.raises(ConnectionError):
        verification_start(instructor=profile, now=NOW)
    assert VerificationRequest.objects.count() == 0


def test_the_staff_review_adapter_queues_without_a_redirect(client):
    client.force_login(instructor_user())
    response = client.post(reverse("onboarding_step", args=["verification"]), follow=True)
    assert "Thanks! Our team will review your verification." in response.content.decode()
    assert "waiting for review by our team" in response.content.decode()
    assert VerificationRequest.objects.get().provider == "staff_review"
