import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_people_is_idempotent_and_makes_verified_students():
    from accounts.seed import DEMO_STUDENTS, seed_demo_people

    seed_demo_people()
    first = User.objects.count()
    seed_demo_people()
    assert User.objects.count() == first == len(DEMO_STUDENTS) + 3
    london = User.objects.get(email="student6@demo.instainstru.com")
    assert (london.timezone, london.is_student, london.emailaddress_set.get().verified) == ("Europe/London", True, True)
    staff = User.objects.get(email="staff@demo.instainstru.com")
    assert staff.is_staff and staff.check_password("demo-password-123")


def test_sync_roles_command_runs_twice():
    call_command("sync_roles")
    call_command("sync_roles")
