"""The instructor onboarding steps and the checks for going live.

GO_LIVE_CHECKS is a list so other apps can add a requirement (payments appends a payouts
check: `GO_LIVE_CHECKS.append(GoLiveCheck("payouts", "payouts set up", "payouts", fn))`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.models import BIO_MIN_LENGTH, InstructorProfile, LocationType, VerificationRequest


@dataclass(frozen=True)
class Step:
    slug: str
    title: str


STEPS = [
    Step("welcome", "Welcome"),
    Step("profile", "Profile and photo"),
    Step("skills", "Skills and pricing"),
    Step("area", "Service area and location types"),
    Step("verification", "Verification"),
    Step("payouts", "Payouts"),
    Step("go-live", "Go live"),
]
STEP_SLUGS = [step.slug for step in STEPS]


@dataclass(frozen=True)
class GoLiveCheck:
    key: str
    label: str
    step: str
    passes: Callable[[InstructorProfile], bool]
    # Says what is missing when the label alone would not (a payouts account Stripe restricted).
    explain: Callable[[InstructorProfile], str] | None = None

    def missing_message(self, profile: InstructorProfile) -> str:
        return self.explain(profile) if self.explain else f"Still needed: {self.label}."


def profile_missing(p: InstructorProfile) -> list[str]:
    """What the profile step still needs, in words."""
    missing = []
    if not p.headline.strip():
        missing.append("a headline.")
    bio_length = len(p.bio.strip())
    if bio_length < BIO_MIN_LENGTH:
        so_far = f" (yours has {bio_length})" if bio_length else ""
        missing.append(f"a bio of at least {BIO_MIN_LENGTH} characters{so_far}.")
    if not p.photo:
        missing.append("a profile photo.")
    return missing


def _profile_complete(p: InstructorProfile) -> bool:
    return not profile_missing(p)


def _has_priced_offer(p: InstructorProfile) -> bool:
    return p.services.filter(is_active=True, prices__isnull=False).exists()


def _offered_location_types(p: InstructorProfile) -> set[str]:
    types: set[str] = set()
    for location_types in p.services.filter(is_active=True).values_list("location_types", flat=True):
        types.update(location_types)
    return types


def _area_complete(p: InstructorProfile) -> bool:
    types = _offered_location_types(p)
    if not types:
        return False
    if types & {LocationType.STUDENT_PLACE, LocationType.NEUTRAL} and p.coverage is None:
        return False
    return not (LocationType.STUDIO in types and not p.studio_address)


def area_missing(p: InstructorProfile) -> list[str]:
    """What the area step still needs, in words, for the offers the instructor made."""
    types = _offered_location_types(p)
    missing = []
    if not types:
        missing.append("Add a service first: where lessons happen is chosen per service.")
    if types & {LocationType.STUDENT_PLACE, LocationType.NEUTRAL} and p.coverage is None:
        missing.append("Choose the neighborhoods you travel to, or a distance from your base address.")
    if LocationType.STUDIO in types and not p.studio_address:
        missing.append("Enter your studio's address (students see only the neighborhood).")
    return missing


def latest_verification(p: InstructorProfile) -> VerificationRequest | None:
    return p.verifications.order_by("-submitted_at", "-pk").first()


def _verified(p: InstructorProfile) -> bool:
    latest = latest_verification(p)
    return latest is not None and latest.status == VerificationRequest.Status.APPROVED


GO_LIVE_CHECKS: list[GoLiveCheck] = [
    GoLiveCheck("profile", "a headline, a bio and a photo", "profile", _profile_complete),
    GoLiveCheck("skills", "at least one service with a price", "skills", _has_priced_offer),
    GoLiveCheck("area", "where you teach", "area", _area_complete),
    GoLiveCheck("verification", "identity verification approved", "verification", _verified),
]


def missing_for_go_live(profile: InstructorProfile) -> list[GoLiveCheck]:
    return [check for check in GO_LIVE_CHECKS if not check.passes(profile)]


def step_states(profile: InstructorProfile) -> dict[str, bool]:
    """Which steps are complete (a step with no check is complete once visited-free)."""
    missing_steps = {check.step for check in missing_for_go_live(profile)}
    return {step.slug: step.slug not in missing_steps for step in STEPS if step.slug not in ("welcome", "go-live")}
