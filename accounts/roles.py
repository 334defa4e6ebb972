"""Roles and their permissions, declared in code and applied by `manage.py sync_roles`.

Students and instructors act only on their own rows, which services check object by object;
their groups carry no model permissions. Support staff read everything in the admin and may
change the records support work needs; finance and trust actions come with their apps.
"""

from django.contrib.auth.models import Group, Permission

from accounts.models import INSTRUCTORS_GROUP, STUDENTS_GROUP

SUPPORT_GROUP = "support"

# (app_label, codename) pairs beyond "view everything".
SUPPORT_CHANGE_PERMISSIONS = [
    ("accounts", "change_user"),
    ("notifications", "add_notification"),
    # Support resolves reported lesson problems and cancels bookings for the platform (admin actions).
    ("bookings", "change_booking"),
    ("bookings", "change_problemreport"),
]


def sync_roles() -> dict[str, int]:
    Group.objects.get_or_create(name=STUDENTS_GROUP)
    Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    support, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    wanted = set(Permission.objects.filter(codename__startswith="view_").values_list("pk", flat=True))
    for app_label, codename in SUPPORT_CHANGE_PERMISSIONS:
        wanted |= set(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename).values_list("pk", flat=True)
        )
    support.permissions.set(wanted)
    return {SUPPORT_GROUP: len(wanted)}
