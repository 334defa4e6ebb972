"""`manage.py seed_demo` with no arguments: at least 200 live demo instructors, about 20% of them
teaching kids (and their offers say so)."""

import io

import pytest
from django.core.management import call_command

from catalog.models import AgeGroup, InstructorProfile, InstructorService
from catalog.seed import DEMO_EMAIL_DOMAIN

pytestmark = pytest.mark.django_db


def test_seed_demo_defaults_to_200_live_instructors_about_a_fifth_teaching_kids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the command writes var/demo-logins.txt
    call_command("seed_demo", stdout=io.StringIO())
    demo = InstructorProfile.objects.filter(user__email__endswith="@" + DEMO_EMAIL_DOMAIN)
    assert demo.count() == 200
    assert demo.filter(status=InstructorProfile.Status.LIVE).count() == 200
    kids = demo.filter(teaches_kids=True)
    assert 0.15 <= kids.count() / 200 <= 0.25, kids.count()
    # The flag and the offers agree: kids-capable instructors offer kids lessons, the others do not.
    kids_offers = InstructorService.objects.filter(instructor__in=demo, age_groups__contains=[AgeGroup.KIDS])
    assert set(kids_offers.values_list("instructor", flat=True)) == set(kids.values_list("pk", flat=True))
