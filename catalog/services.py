"""Writes in the catalog: instructor profiles, offers and prices, service areas, going live.

Extension points for other apps (append at import time, e.g. in your AppConfig.ready()):
- SUSPENSION_HOOKS: callables `hook(*, instructor, reason, now)` run inside the suspension's
  transaction after the status changed (bookings cancels upcoming lessons there).
- catalog.onboarding.GO_LIVE_CHECKS: requirements for going live (payments adds payouts).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.crypto import salted_hmac

from catalog import geocoding, money
from catalog.models import (
    LESSON_DURATIONS,
    AgeGroup,
    InstructorNeighborhood,
    InstructorProfile,
    InstructorService,
    LocationType,
    Neighborhood,
    Service,
    ServicePrice,
)
from catalog.selectors import hourly_floor_cents, price_floor_cents

SUSPENSION_HOOKS: list[Callable[..., None]] = []

MAX_TRAVEL_RADIUS_M = 40_000
PUBLIC_JITTER_MIN_M = 150
PUBLIC_JITTER_MAX_M = 400


def _locked(instructor: InstructorProfile) -> InstructorProfile:
    return InstructorProfile.objects.select_for_update().get(pk=instructor.pk)


def _missing_if_live(profile: InstructorProfile) -> set[str]:
    """What a live profile already lacks before an edit (see _refuse_if_live_loses_requirements)."""
    return _live_requirements_missing(profile) if profile.status == InstructorProfile.Status.LIVE else set()


def instructor_profile_start(*, user) -> InstructorProfile:
    """The instructor's profile, created (onboarding) the first time; idempotent."""
    if not user.is_instructor:
        raise ValidationError("Only instructors have a teaching profile.")
    profile, _ = InstructorProfile.objects.get_or_create(user=user)
    return profile


def instructor_update_profile(
    *, instructor: InstructorProfile, headline: str, bio: str, years_experience: int, languages: list[str],
    booking_mode: str = InstructorProfile.BookingMode.INSTANT,
) -> InstructorProfile:  # fmt: skip
    """Saves the profile text (validated by the model's limits). A live profile keeps what going
    live requires (LiveRequirementRefused otherwise, nothing saved)."""
    with transaction.atomic():
        profile = _locked(instructor)
        missing_before = _missing_if_live(profile)
        profile.headline = headline.strip()
        profile.bio = bio.strip()
        profile.years_experience = years_experience
        profile.languages = [language.strip() for language in languages if language.strip()]
        profile.booking_mode = booking_mode
        profile.full_clean(exclude=["user", "photo", "photo_thumb", "photo_original"])
        profile.save(update_fields=["headline", "bio", "years_experience", "languages", "booking_mode", "updated_at"])
        _refuse_if_live_loses_requirements(profile, missing_before=missing_before)
    return profile


def instructor_set_photo(*, instructor: InstructorProfile, upload) -> InstructorProfile:
    """Validates the upload by content and stores the re-encoded sizes (public) and the
    original (private). Raises ValidationError and stores nothing when the file is refused.

    The files are written first, under new names, then the row points at them; if anything fails
    (the profile is gone, the database refuses), the new files are removed, and the replaced
    photo's files are removed only once the new row is committed. Call it on its own: an outer
    transaction rolled back later would leave the new files behind.
    """
    from catalog import photos

    processed = photos.photo_process(upload)  # raises before anything is written
    written = photos.photo_store(stem=f"{instructor.public_id}-{processed.digest[:12]}", processed=processed)
    try:
        with transaction.atomic():
            profile = _locked(instructor)
            replaced = {attr: getattr(profile, attr).name for attr, _ in photos.PHOTO_FIELDS}
            for attr, name in written.items():
                getattr(profile, attr).name = name
            profile.save(update_fields=[*written, "updated_at"])
            # robust: a storage error while tidying up must not undo a committed photo.
            transaction.on_commit(lambda: photos.photo_delete_files(replaced), robust=True)
    except BaseException:
        photos.photo_delete_files(written)
        raise
    return profile


# --- Offers and prices ---------------------------------------------------------------------


def _check_prices(*, service: Service, location_types: list[str], prices: dict[int, int]) -> None:
    errors = []
    if not prices:
        errors.append("Set a price for at least one lesson length.")
    for minutes, cents in sorted(prices.items()):
        if minutes not in LESSON_DURATIONS:
            errors.append(f"Lessons last {', '.join(map(str, LESSON_DURATIONS))} minutes, not {minutes}.")
            continue
        for location_type in location_types:
            floor = price_floor_cents(category=service.category, location_type=location_type, duration_minutes=minutes)
            if cents < floor:
                label = LocationType(location_type).label.lower()
                hourly = hourly_floor_cents(category=service.category, location_type=location_type)
                errors.append(
                    f"A {minutes}-minute {service.category.name} lesson {label} must cost at least "
                    f"{money.dollars(floor)} ({money.dollars(hourly)} per hour)."
                )
    if errors:
        raise ValidationError(errors)


def offer_save(
    *, instructor: InstructorProfile, service: Service, age_groups: list[str], levels: list[str],
    location_types: list[str], prices: dict[int, int], description: str = "",
) -> InstructorService:  # fmt: skip
    """Creates or updates the instructor's offer of a service with its prices per duration.

    Prices below the category's floor for any of the offer's location types are refused with a
    message naming the minimum; nothing is changed then. A live profile keeps what going live
    requires (a studio offer needs the studio's address): LiveRequirementRefused otherwise.
    """
    if not age_groups:
        raise ValidationError("Choose who you teach: kids, teens or adults.")
    if not location_types:
        raise ValidationError("Choose at least one place where lessons happen.")
    if not levels:
        raise ValidationError("Choose at least one level.")
    _check_prices(service=service, location_types=location_types, prices=prices)
    with transaction.atomic():
        profile = _locked(instructor)
        missing_before = _missing_if_live(profile)
        offer, _ = InstructorService.objects.update_or_create(
            instructor=profile,
            service=service,
            defaults={
                "age_groups": sorted(set(age_groups)),
                "levels": sorted(set(levels)),
                "location_types": sorted(set(location_types)),
                "description": description.strip(),
                "hourly_rate_cents": min(cents * 60 // minutes for minutes, cents in prices.items()),
                "is_active": True,
            },
        )
        offer.prices.exclude(duration_minutes__in=list(prices)).delete()
        for minutes, cents in prices.items():
            ServicePrice.objects.update_or_create(
                offer=offer, duration_minutes=minutes, defaults={"price_cents": cents}
            )
        _refresh_teaches_kids(profile)
        _refuse_if_live_loses_requirements(profile, missing_before=missing_before)
    return offer


def offer_remove(*, instructor: InstructorProfile, offer_public_id: str) -> bool:
    """Removes one of the instructor's own offers; someone else's offer is never touched. A live
    instructor cannot remove their last service (LiveRequirementRefused, nothing removed)."""
    with transaction.atomic():
        profile = _locked(instructor)
        missing_before = _missing_if_live(profile)
        deleted, _ = InstructorService.objects.filter(instructor=profile, public_id=offer_public_id).delete()
        _refresh_teaches_kids(profile)
        _refuse_if_live_loses_requirements(profile, missing_before=missing_before)
    return bool(deleted)


def instructor_refresh_teaches_kids(*, instructor: InstructorProfile) -> InstructorProfile:
    """Recomputes the kids flag from the offers (after staff edit offers in the admin)."""
    with transaction.atomic():
        profile = _locked(instructor)
        _refresh_teaches_kids(profile)
    return profile


def _refresh_teaches_kids(profile: InstructorProfile) -> None:
    teaches_kids = profile.services.filter(is_active=True, age_groups__contains=[AgeGroup.KIDS]).exists()
    if teaches_kids != profile.teaches_kids:
        profile.teaches_kids = teaches_kids
        profile.save(update_fields=["teaches_kids", "updated_at"])


# --- Service area ----------------------------------------------------------------------------

_COVERAGE_SQL = """
UPDATE catalog_instructorprofile p SET coverage = (
    SELECT ST_Multi(ST_CollectionExtract(ST_Union(parts.g), 3))::geography FROM (
        SELECT n.boundary::geometry AS g
          FROM catalog_instructorneighborhood l JOIN catalog_neighborhood n ON n.id = l.neighborhood_id
         WHERE l.instructor_id = p.id
        UNION ALL
        SELECT ST_Buffer(p.base_point, p.travel_radius_m, 'quad_segs=16')::geometry
         WHERE p.base_point IS NOT NULL AND p.travel_radius_m > 0
    ) parts
)
WHERE p.id = ANY(%s)
"""


def instructors_rebuild_coverage(*, instructor_ids: list[int]) -> None:
    """Stores each instructor's coverage: the union of their neighborhoods and the circle of
    `travel_radius_m` around their base point (set-based, so the seeder uses it for thousands)."""
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL, [list(instructor_ids)])


def jittered_point(*, point, public_id: str):
    """A point 150–400 m from `point` in a direction and at a distance fixed by the public id and
    keyed by SECRET_KEY: the same every time, but nobody who knows the public id and this code can
    undo it, so public pages never reveal a studio's or home's exact place."""
    digest = salted_hmac("catalog.jittered_point", str(public_id), algorithm="sha256").digest()
    angle = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
    distance = PUBLIC_JITTER_MIN_M + int.from_bytes(digest[4:8], "big") / 2**32 * (
        PUBLIC_JITTER_MAX_M - PUBLIC_JITTER_MIN_M
    )
    lat = point.y + distance * math.sin(angle) / 110_540
    lon = point.x + distance * math.cos(angle) / (111_320 * math.cos(math.radians(point.y)))
    return type(point)(round(lon, 6), round(lat, 6), srid=4326)


def public_travel_center(profile: InstructorProfile):
    """Where public pages centre the travel circle: a jitter of the base point (the coverage itself
    is built around the exact one)."""
    if profile.base_point is None:
        return None
    return jittered_point(point=profile.base_point, public_id=profile.public_id)


def _geocode_or_error(text: str, what: str):
    result = geocoding.geocode(text)
    if result is None:
        raise ValidationError({what: geocoding.UNKNOWN_ADDRESS_MESSAGE})
    return result


def instructor_set_service_area(
    *, instructor: InstructorProfile, neighborhood_slugs: list[str], base_address: str = "",
    travel_radius_m: int | None = None, studio_address: str = "",
) -> InstructorProfile:  # fmt: skip
    """Saves where the instructor teaches and rebuilds the stored coverage geometry.

    Addresses are geocoded first; an unknown address or neighborhood changes nothing. A live
    profile keeps somewhere to teach for its offers (LiveRequirementRefused otherwise).
    """
    neighborhoods = list(Neighborhood.objects.filter(slug__in=set(neighborhood_slugs)))
    if len(neighborhoods) != len(set(neighborhood_slugs)):
        raise ValidationError({"neighborhoods": "One of the neighborhoods is not one we know."})
    if travel_radius_m is not None and not 0 < travel_radius_m <= MAX_TRAVEL_RADIUS_M:
        raise ValidationError({"travel_radius_m": f"Choose a travel distance up to {MAX_TRAVEL_RADIUS_M // 1000} km."})
    if travel_radius_m and not base_address.strip():
        raise ValidationError({"base_address": "Enter the address you travel from."})
    base = _geocode_or_error(base_address, "base_address") if base_address.strip() else None
    studio = _geocode_or_error(studio_address, "studio_address") if studio_address.strip() else None
    with transaction.atomic():
        profile = _locked(instructor)
        missing_before = _missing_if_live(profile)
        profile.base_address = base.label if base else ""
        profile.studio_address = studio.label if studio else ""
        profile.studio_point = studio.point if studio else None
        profile.studio_neighborhood = (
            Neighborhood.objects.filter(boundary__covers=studio.point).order_by("pk").first() if studio else None
        )
        # The studio is where students come; otherwise the place they travel from.
        anchor = studio or base
        profile.base_point = base.point if base else (studio.point if studio else None)
        profile.travel_radius_m = travel_radius_m if base else None
        profile.public_point = jittered_point(point=anchor.point, public_id=profile.public_id) if anchor else None
        profile.save(
            update_fields=["base_address", "studio_address", "studio_point", "studio_neighborhood", "base_point",
                           "travel_radius_m", "public_point", "updated_at"]
        )  # fmt: skip
        InstructorNeighborhood.objects.filter(instructor=profile).exclude(neighborhood__in=neighborhoods).delete()
        for hood in neighborhoods:
            InstructorNeighborhood.objects.get_or_create(instructor=profile, neighborhood=hood)
        instructors_rebuild_coverage(instructor_ids=[profile.pk])
        profile.refresh_from_db()
        _refuse_if_live_loses_requirements(profile, missing_before=missing_before)
    return profile


# --- Status: going live, pausing, suspending ----------------------------------------------------


class StatusChangeRefused(ValidationError):
    pass


class LiveRequirementRefused(StatusChangeRefused):
    """An edit that would leave a live profile without something going live requires."""


def _live_requirements_missing(profile: InstructorProfile) -> set[str]:
    from catalog.onboarding import missing_for_go_live

    return {check.key for check in missing_for_go_live(profile)}


def _refuse_if_live_loses_requirements(profile: InstructorProfile, *, missing_before: set[str]) -> None:
    """Inside an edit's transaction, after the change: a live profile must still pass every go-live
    check it passed before (a check failing for another reason, such as Stripe restricting the
    payouts account, does not block unrelated edits). Raising rolls the edit back."""
    from catalog.onboarding import missing_for_go_live

    if profile.status != InstructorProfile.Status.LIVE:
        return
    newly_missing = [check for check in missing_for_go_live(profile) if check.key not in missing_before]
    if any(check.key == "skills" for check in newly_missing):
        # Where lessons happen is chosen per service: without services the area fails too, which
        # says nothing the first message does not.
        newly_missing = [check for check in newly_missing if check.key != "area"]
    if newly_missing:
        raise LiveRequirementRefused(
            [
                f"You are live, so your profile must keep {check.label}. To change that, pause your profile "
                "first (on the Go live step), make the change, and resume when everything is ready again."
                for check in newly_missing
            ]
        )


def _record_status_change(
    profile: InstructorProfile, *, to_status: str, now: datetime, actor=None, reason: str = ""
) -> None:
    from catalog.models import InstructorStatusEvent

    InstructorStatusEvent.objects.create(
        instructor=profile, from_status=profile.status, to_status=to_status, reason=reason, actor=actor,
        created_at=now,
    )  # fmt: skip
    profile.status = to_status


def _refuse_unless_ready(profile: InstructorProfile) -> None:
    from catalog.onboarding import missing_for_go_live

    missing = missing_for_go_live(profile)
    if missing:
        raise StatusChangeRefused([check.missing_message(profile) for check in missing])


def instructor_go_live(*, instructor: InstructorProfile, now: datetime, actor=None) -> InstructorProfile:
    """Onboarding → live once every go-live check passes. Already live: no change."""
    with transaction.atomic():
        profile = _locked(instructor)
        if profile.status == InstructorProfile.Status.LIVE:
            return profile
        if profile.status != InstructorProfile.Status.ONBOARDING:
            raise StatusChangeRefused(f"A {profile.get_status_display().lower()} profile cannot go live from here.")
        _refuse_unless_ready(profile)
        _record_status_change(profile, to_status=InstructorProfile.Status.LIVE, now=now, actor=actor)
        profile.went_live_at = profile.went_live_at or now
        profile.save(update_fields=["status", "went_live_at", "updated_at"])
    return profile


def instructor_pause(*, instructor: InstructorProfile, now: datetime, actor=None) -> InstructorProfile:
    """Live → paused: hidden from students; bookings already made stay."""
    with transaction.atomic():
        profile = _locked(instructor)
        if profile.status == InstructorProfile.Status.PAUSED:
            return profile
        if profile.status != InstructorProfile.Status.LIVE:
            raise StatusChangeRefused("Only a live profile can be paused.")
        _record_status_change(profile, to_status=InstructorProfile.Status.PAUSED, now=now, actor=actor)
        profile.save(update_fields=["status", "updated_at"])
    return profile


def instructor_resume(*, instructor: InstructorProfile, now: datetime, actor=None) -> InstructorProfile:
    """Paused → live again, only if every go-live check still passes (the profile may have been
    edited while paused, or the instructor reinstated after a suspension); otherwise the messages
    say what is missing and the profile stays paused."""
    with transaction.atomic():
        profile = _locked(instructor)
        if profile.status == InstructorProfile.Status.LIVE:
            return profile
        if profile.status != InstructorProfile.Status.PAUSED:
            raise StatusChangeRefused("Only a paused profile can be resumed.")
        _refuse_unless_ready(profile)
        _record_status_change(profile, to_status=InstructorProfile.Status.LIVE, now=now, actor=actor)
        profile.save(update_fields=["status", "updated_at"])
    return profile


def instructor_suspend(*, instructor: InstructorProfile, reason: str, now: datetime, actor=None) -> InstructorProfile:
    """Staff: any status → suspended, with a reason. Runs SUSPENSION_HOOKS in the same transaction."""
    if not reason.strip():
        raise ValidationError("Give the reason for the suspension.")
    with transaction.atomic():
        profile = _locked(instructor)
        if profile.status == InstructorProfile.Status.SUSPENDED:
            return profile
        _record_status_change(
            profile, to_status=InstructorProfile.Status.SUSPENDED, now=now, actor=actor, reason=reason.strip()
        )
        profile.suspended_reason = reason.strip()
        profile.save(update_fields=["status", "suspended_reason", "updated_at"])
        for hook in SUSPENSION_HOOKS:
            hook(instructor=profile, reason=profile.suspended_reason, now=now)
    return profile


def instructor_reinstate(*, instructor: InstructorProfile, now: datetime, actor=None) -> InstructorProfile:
    """Staff: suspended → paused; the instructor resumes when ready (resuming checks going live again)."""
    with transaction.atomic():
        profile = _locked(instructor)
        if profile.status != InstructorProfile.Status.SUSPENDED:
            return profile
        _record_status_change(profile, to_status=InstructorProfile.Status.PAUSED, now=now, actor=actor)
        profile.suspended_reason = ""
        profile.save(update_fields=["status", "suspended_reason", "updated_at"])
    return profile
