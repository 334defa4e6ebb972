"""`manage.py seed_demo`: demo instructors that meet the product's own go-live rules (profile and
photo, priced offers, the area and studio their offers need, approved verification, payouts), varied,
about a fifth teaching kids, plus the demo students; idempotent. The default run is 200 instructors;
the tests build a dozen through the same code path (the default count is asserted on the plan)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from catalog import demo
from catalog.models import (
    AgeGroup,
    InstructorProfile,
    InstructorService,
    InstructorStatusEvent,
    LocationType,
    VerificationRequest,
)
from catalog.onboarding import missing_for_go_live
from instainstru.core.management.commands.seed_demo import Command
from payments.models import ConnectAccount

pytestmark = pytest.mark.django_db
DEMO_COUNT = 12


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def demo_instructors():
    return InstructorProfile.objects.filter(user__email__endswith="@" + demo.DEMO_EMAIL_DOMAIN)


@pytest.fixture
def demo_run(tmp_path, monkeypatch, local_stripe):
    """`seed_demo` exactly as `make run` runs it (no arguments), with a dozen instructors."""
    monkeypatch.chdir(tmp_path)  # the command writes var/demo-logins.txt
    monkeypatch.setattr(demo, "DEFAULT_DEMO_INSTRUCTORS", DEMO_COUNT)
    return seed()


def test_the_default_demo_is_200_instructors():
    assert Command().create_parser("manage.py", "seed_demo").parse_args([]).instructors is None
    assert demo.DEFAULT_DEMO_INSTRUCTORS == 200
    assert demo.demo_instructor_count(None) == 200
    assert demo.demo_instructor_count(10_000) == 10_000


def test_demo_instructors_meet_every_go_live_rule(demo_run):
    assert f"Payouts: {DEMO_COUNT + 1} demo instructors set up on the local Stripe server." in demo_run
    assert "instructor@demo.instainstru.com is live." in demo_run
    live = InstructorProfile.objects.filter(status=InstructorProfile.Status.LIVE)
    assert live.count() == DEMO_COUNT + 1  # and the demo login
    assert {p.user.email: [c.key for c in missing_for_go_live(p)] for p in live} == {p.user.email: [] for p in live}
    assert ConnectAccount.objects.filter(instructor__in=live, transfers_active=True, payouts_enabled=True).count() == (
        DEMO_COUNT + 1
    )
    assert VerificationRequest.objects.filter(instructor__in=live, status="approved").count() == DEMO_COUNT + 1
    assert set(InstructorStatusEvent.objects.filter(instructor__in=live).values_list("from_status", "to_status")) == {
        ("onboarding", "live")
    }
    for profile in live:
        assert Path(profile.photo.path).is_file() and Path(profile.photo_thumb.path).is_file()


def test_demo_instructors_are_varied_and_a_fifth_teach_kids(demo_run):
    instructors = list(demo_instructors().prefetch_related("services__prices"))
    assert len({p.bio for p in instructors}) == DEMO_COUNT
    assert len({p.headline for p in instructors}) == DEMO_COUNT
    assert len({p.photo.name for p in instructors}) == DEMO_COUNT  # 24 portraits to share
    assert all(len(p.bio) >= 80 for p in instructors)
    offers = [offer for p in instructors for offer in p.services.all()]
    assert len({tuple(offer.levels) for offer in offers}) >= 3
    assert len({tuple(price.duration_minutes for price in offer.prices.all()) for offer in offers}) >= 3
    kids = [p for p in instructors if p.teaches_kids]
    assert len(kids) == DEMO_COUNT // 5 + 1  # numbers 0, 5 and 10
    # The flag and the offers agree.
    kids_offers = InstructorService.objects.filter(instructor__in=demo_instructors(), age_groups__contains=["kids"])
    assert set(kids_offers.values_list("instructor", flat=True)) == {p.pk for p in kids}
    assert all(AgeGroup.KIDS in offer.age_groups for p in kids for offer in p.services.all())


def test_studio_lessons_have_a_studio_in_its_neighborhood_and_a_public_jitter(demo_run):
    studios = [p for p in demo_instructors() if any(LocationType.STUDIO in o.location_types for o in p.services.all())]
    assert studios
    for profile in studios:
        assert profile.studio_address and profile.studio_point is not None
        assert profile.studio_neighborhood.boundary.covers(profile.studio_point)
        assert profile.public_point.coords != profile.studio_point.coords
    no_studio = demo_instructors().exclude(pk__in=[p.pk for p in studios])
    assert set(no_studio.values_list("studio_address", flat=True)) <= {""}


def test_demo_students_exist_in_their_time_zones(demo_run):
    students = User.objects.filter(email__startswith="student", email__endswith="@demo.instainstru.com")
    assert students.count() == 11
    assert set(students.values_list("timezone", flat=True)) == {
        "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"
    }  # fmt: skip
    assert all(student.is_student for student in students)


def test_seed_demo_twice_adds_nothing(demo_run):
    counts = {
        model.__name__: model.objects.count()
        for model in (User, InstructorProfile, InstructorService, VerificationRequest, InstructorStatusEvent,
                      ConnectAccount)
    }  # fmt: skip
    second = seed()
    assert "(0 new)" in second and "Payouts: every demo instructor can be paid." in second
    assert {name: model.objects.count() for name, model in (
        (model.__name__, model) for model in (User, InstructorProfile, InstructorService, VerificationRequest,
                                              InstructorStatusEvent, ConnectAccount))} == counts  # fmt: skip


def test_topping_up_makes_the_same_instructors_as_one_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seed(instructors=4)
    seed(instructors=7)
    topped_up = list(demo_instructors().order_by("user__email").values_list("headline", "bio", "years_experience"))
    InstructorProfile.objects.all().delete()
    User.objects.filter(email__endswith="@" + demo.DEMO_EMAIL_DOMAIN).delete()
    seed(instructors=7)
    once = list(demo_instructors().order_by("user__email").values_list("headline", "bio", "years_experience"))
    assert topped_up == once and len(once) == 7


def test_benchmark_runs_skip_payouts_and_say_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = seed(instructors=3)
    assert "Payouts: skipped (--instructors: a benchmark or test run)." in out
    assert "instructor@demo.instainstru.com is live without: payouts set up." in out
    assert ConnectAccount.objects.count() == 0
    login = InstructorProfile.objects.get(user__email="instructor@demo.instainstru.com")
    assert login.status == "live"
    assert [c.key for c in missing_for_go_live(login)] == ["payouts"]
    assert login.status_events.get().reason == "Demo data, live without: payouts set up"


def test_make_run_starts_the_local_stripe_server_for_the_seed_when_it_is_not_up(tmp_path, monkeypatch, settings):
    """`make run` seeds before it starts the Stripe process: the seeder starts one on the configured
    port with the state file that process loads, so the accounts survive into it."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "DEFAULT_DEMO_INSTRUCTORS", 2)
    out = seed()
    assert "Payouts: 3 demo instructors set up on the local Stripe server." in out
    state = (tmp_path / "var" / "stripe-state.json").read_text()
    assert all(account.account_id in state for account in ConnectAccount.objects.all())
    assert ConnectAccount.objects.filter(payouts_enabled=True, transfers_active=True).count() == 3
    assert not demo._stripe_answers(settings.STRIPE_API_BASE)  # stopped again


def test_a_stripe_that_is_not_local_is_left_alone(tmp_path, monkeypatch, settings):
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "DEFAULT_DEMO_INSTRUCTORS", 2)
    out = seed()
    assert "Payouts: skipped for 3 demo instructors (STRIPE_API_BASE is not the local server)." in out
    assert ConnectAccount.objects.count() == 0
