"""Writes that concern people and their roles."""

from datetime import datetime

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import INSTRUCTORS_GROUP, MAX_SAVED_ADDRESSES, STUDENTS_GROUP, SavedAddress, User

ROLES = {"student": STUDENTS_GROUP, "instructor": INSTRUCTORS_GROUP}


def sessions_purge_expired(*, now: datetime) -> int:
    """Deletes the sessions that expired before `now` and returns how many; running it twice, or
    twice at once, deletes each session once."""
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def user_grant_role(*, user: User, role: str) -> None:
    """Adds the role's group to the user; granting a role twice is a no-op."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}")
    group, _ = Group.objects.get_or_create(name=ROLES[role])
    user.groups.add(group)
    user.__dict__.pop("_role_cache", None)


@transaction.atomic
def user_update_settings(*, user: User, full_name: str, timezone: str, phone_number: str = "") -> User:
    """Updates what a person may change about themselves (validated by the caller's form)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.full_name = full_name.strip()
    locked.timezone = timezone
    locked.phone_number = phone_number.strip()
    locked.full_clean(exclude=["password"])
    locked.save(update_fields=["full_name", "timezone", "phone_number"])
    return locked


def saved_address_add(*, user: User, label: str, text: str) -> SavedAddress:
    """Geocodes `text` and saves it under `label` for `user`. An unknown address, a repeated
    label or too many addresses raise ValidationError and store nothing."""
    from catalog.geocoding import UNKNOWN_ADDRESS_MESSAGE, geocode
    from catalog.models import Neighborhood

    label, text = " ".join(label.split()), " ".join(text.split())
    if not label:
        raise ValidationError({"label": "Give the address a name, like “Home”."})
    if not text:
        raise ValidationError({"text": "Enter the address."})
    result = geocode(text)
    if result is None:
        raise ValidationError({"text": UNKNOWN_ADDRESS_MESSAGE})
    with transaction.atomic():
        owner = User.objects.select_for_update().get(pk=user.pk)  # serialises the count check
        existing = SavedAddress.objects.filter(user=owner)
        if existing.filter(label__iexact=label).exists():
            raise ValidationError({"label": f"You already have an address called “{label}”."})
        if existing.count() >= MAX_SAVED_ADDRESSES:
            raise ValidationError(f"You can keep up to {MAX_SAVED_ADDRESSES} addresses; remove one first.")
        neighborhood = (
            Neighborhood.objects.filter(slug=result.neighborhood_slug).first() if result.neighborhood_slug else None
        )
        return SavedAddress.objects.create(
            user=owner, label=label, text=result.label, point=result.point, neighborhood=neighborhood
        )


def saved_address_remove(*, user: User, public_id: str) -> bool:
    """Removes one of `user`'s own saved addresses; someone else's (or an unknown id) is not
    touched and gives False."""
    deleted, _ = SavedAddress.objects.filter(user=user, public_id=public_id).delete()
    return deleted > 0
