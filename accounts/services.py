"""Writes that concern people and their roles."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import INSTRUCTORS_GROUP, STUDENTS_GROUP, User

ROLES = {"student": STUDENTS_GROUP, "instructor": INSTRUCTORS_GROUP}


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
