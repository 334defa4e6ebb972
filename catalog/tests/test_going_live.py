"""Going live is checked every time a profile becomes live (go live, resume, resume after a
reinstatement), and a live profile cannot lose what going live requires. Every status change
leaves one event row saying who, when, from, to and why."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import staff
from catalog import services
from catalog.models import InstructorProfile, InstructorService, InstructorStatusEvent, Service
from catalog.tests.factories import go_live_ready
from payments.services import connect_account_refresh

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 15, tzinfo=UTC)
LIVE, PAUSED, SUSPENDED = (InstructorProfile.Status.LIVE, InstructorProfile.Status.PAUSED,
                           InstructorProfile.Status.SUSPENDED)  # fmt: skip


@pytest.fixture
def ready(nyc, local_stripe):
    return go_live_ready(local_stripe, full_name="Rita Ready")


@pytest.fixture
def live(ready):
    return services.instructor_go_live(instructor=ready, now=NOW, actor=ready.user)


def events(profile) -> list[tuple[str, str, str, str | None]]:
    return [
        (e.from_status, e.to_status, e.reason, e.actor.email if e.actor else None)
        for e in InstructorStatusEvent.objects.filter(instructor=profile).order_by("pk")
    ]


def test_every_status_change_leaves_one_event_and_repeats_leave_none(live):
    reviewer = staff(email="trust@example.com")
    me = live.user.email
    services.instructor_go_live(instructor=live, now=NOW, actor=live.user)  # already live
    services.instructor_pause(instructor=live, now=NOW, actor=live.user)
    services.instructor_pause(instructor=live, now=NOW, actor=live.user)
    services.instructor_resume(instructor=live, now=NOW, actor=live.user)
    services.instructor_suspend(instructor=live, reason="Fake reviews", now=NOW, actor=reviewer)
    services.instructor_suspend(instructor=live, reason="Again", now=NOW, actor=reviewer)
    services.instructor_reinstate(instructor=live, now=NOW, actor=reviewer)
    services.instructor_reinstate(instructor=live, now=NOW, actor=reviewer)
    assert events(live) == [
        ("onboarding", "live", "", me),
        ("live", "paused", "", me),
        ("paused", "live", "", me),
        ("live", "suspended", "Fake reviews", "trust@example.com"),
        ("suspended", "paused", "", "trust@example.com"),
    ]
    assert set(InstructorStatusEvent.objects.values_list("created_at", flat=True)) == {NOW}


def test_resume_checks_going_live_again(live):
    services.instructor_pause(instructor=live, now=NOW, actor=live.user)
    # While paused the instructor may take their only service away ...
    offer = live.services.get()
    assert services.offer_remove(instructor=live, offer_public_id=offer.public_id) is True
    # ... but cannot come back without one.
    with pytest.raises(services.StatusChangeRefused) as refused:
        services.instructor_resume(instructor=live, now=NOW, actor=live.user)
    # Where lessons happen is chosen per service, so the area is missing too.
    assert refused.value.messages == ["Still needed: at least one service with a price.",
                                      "Still needed: where you teach."]  # fmt: skip
    live.refresh_from_db()
    assert live.status == PAUSED
    assert [e[:2] for e in events(live)] == [("onboarding", "live"), ("live", "paused")]


def test_reinstated_instructor_resumes_only_when_payouts_work_again(live, local_stripe):
    reviewer = staff()
    services.instructor_suspend(instructor=live, reason="Chargebacks", now=NOW, actor=reviewer)
    local_stripe.account_action(live.connect_account.account_id, "restrict")
    connect_account_refresh(instructor=live, now=NOW)
    assert services.instructor_reinstate(instructor=live, now=NOW, actor=reviewer).status == PAUSED
    with pytest.raises(services.StatusChangeRefused) as refused:
        services.instructor_resume(instructor=live, now=NOW, actor=live.user)
    assert "Stripe has restricted your payouts account" in refused.value.messages[0]
    live.refresh_from_db()
    assert live.status == PAUSED
    local_stripe.account_action(live.connect_account.account_id, "restore")
    connect_account_refresh(instructor=live, now=NOW)
    assert services.instructor_resume(instructor=live, now=NOW, actor=live.user).status == LIVE


KEEP_MESSAGE = (
    "You are live, so your profile must keep {}. To change that, pause your profile first (on the Go live "
    "step), make the change, and resume when everything is ready again."
)


def test_a_live_instructor_cannot_remove_their_last_service(live):
    offer = live.services.get()
    with pytest.raises(services.LiveRequirementRefused) as refused:
        services.offer_remove(instructor=live, offer_public_id=offer.public_id)
    assert refused.value.messages == [KEEP_MESSAGE.format("at least one service with a price")]
    assert InstructorService.objects.filter(pk=offer.pk).exists()
    # With a second service, the first can go.
    services.offer_save(
        instructor=live, service=Service.objects.get(slug="guitar"), age_groups=["adults"], levels=["beginner"],
        location_types=["online"], prices={60: 7000},
    )  # fmt: skip
    assert services.offer_remove(instructor=live, offer_public_id=offer.public_id) is True
    live.refresh_from_db()
    assert live.status == LIVE


def test_a_live_instructor_cannot_clear_the_area_their_lessons_need(live):
    with pytest.raises(services.LiveRequirementRefused) as refused:
        services.instructor_set_service_area(instructor=live, neighborhood_slugs=[])
    assert refused.value.messages == [KEEP_MESSAGE.format("where you teach")]
    live.refresh_from_db()
    assert list(live.neighborhoods.values_list("slug", flat=True)) == ["park-slope"]
    assert live.coverage is not None
    # Another area is fine.
    services.instructor_set_service_area(instructor=live, neighborhood_slugs=["astoria"])
    assert list(live.neighborhoods.values_list("slug", flat=True)) == ["astoria"]


def test_a_live_instructor_cannot_offer_studio_lessons_without_a_studio(live):
    piano = Service.objects.get(slug="piano")
    with pytest.raises(services.LiveRequirementRefused):
        services.offer_save(
            instructor=live, service=piano, age_groups=["adults"], levels=["beginner"],
            location_types=["studio"], prices={30: 4500, 60: 9000},
        )  # fmt: skip
    assert live.services.get().location_types == ["online", "student_place"]


def test_a_live_instructor_cannot_blank_their_profile_text(live):
    with pytest.raises(services.LiveRequirementRefused):
        services.instructor_update_profile(instructor=live, headline="", bio="Short.", years_experience=3,
                                           languages=["English"])  # fmt: skip
    live.refresh_from_db()
    assert live.headline == "Patient piano teacher"


def test_a_check_failing_for_another_reason_does_not_block_unrelated_edits(live, local_stripe):
    # Stripe restricted the account while live: editing the bio is still allowed.
    local_stripe.account_action(live.connect_account.account_id, "restrict")
    connect_account_refresh(instructor=live, now=NOW)
    services.instructor_update_profile(instructor=live, headline="Jazz piano", bio="I teach jazz piano. " * 5,
                                       years_experience=9, languages=["English"])  # fmt: skip
    live.refresh_from_db()
    assert (live.headline, live.status) == ("Jazz piano", LIVE)


def test_removing_the_last_service_on_the_page_says_why_and_keeps_it(live, client):
    client.force_login(live.user)
    offer = live.services.get()
    response = client.post(reverse("onboarding_step", args=["skills"]), {"action": "remove", "offer": offer.public_id})
    assert response.status_code == 422
    assert KEEP_MESSAGE.format("at least one service with a price") in response.content.decode()
    assert InstructorService.objects.filter(pk=offer.pk).exists()


def test_pause_and_resume_buttons_on_the_go_live_page(live, client):
    client.force_login(live.user)
    url = reverse("onboarding_step", args=["go-live"])
    page = client.get(url).content.decode()
    assert "You are live. Students can find and book you." in page and "Pause my profile" in page
    response = client.post(url, {"action": "pause"}, follow=True)
    assert "Your profile is paused: students can&#x27;t find you." in response.content.decode()
    live.refresh_from_db()
    assert live.status == PAUSED
    assert client.get(live.get_absolute_url()).status_code == 404
    response = client.post(url, {"action": "resume"}, follow=True)
    assert "Welcome back: your profile is live again." in response.content.decode()
    live.refresh_from_db()
    assert live.status == LIVE
    assert [e[:2] for e in events(live)][-2:] == [("live", "paused"), ("paused", "live")]


def test_resume_button_says_what_is_missing(live, client):
    services.instructor_pause(instructor=live, now=NOW, actor=live.user)
    services.offer_remove(instructor=live, offer_public_id=live.services.get().public_id)
    client.force_login(live.user)
    response = client.post(reverse("onboarding_step", args=["go-live"]), {"action": "resume"})
    assert response.status_code == 422
    assert "Still needed: at least one service with a price." in response.content.decode()
    live.refresh_from_db()
    assert live.status == PAUSED


def test_staff_reinstate_from_the_admin(live, staff_client):
    from catalog.tests.factories import InstructorProfileFactory

    services.instructor_suspend(instructor=live, reason="Chargebacks", now=NOW, actor=staff())
    untouched = InstructorProfileFactory(status=LIVE)
    response = staff_client.post(
        "/admin/catalog/instructorprofile/",
        {"action": "reinstate_selected", "_selected_action": [live.pk, untouched.pk]},
        follow=True,
    )
    assert "1 reinstated (paused until they resume). 1 not suspended, left unchanged." in response.content.decode()
    live.refresh_from_db()
    untouched.refresh_from_db()
    assert (live.status, live.suspended_reason, untouched.status) == (PAUSED, "", LIVE)
    assert events(live)[-1] == ("suspended", "paused", "", staff_client.staff_user.email)
    assert InstructorStatusEvent.objects.filter(instructor=untouched).count() == 0


def test_staff_see_the_status_history_in_the_admin(live, staff_client):
    services.instructor_pause(instructor=live, now=NOW, actor=live.user)
    body = staff_client.get(f"/admin/catalog/instructorprofile/{live.pk}/change/").content.decode()
    assert "Instructor status events" in body
    listing = staff_client.get("/admin/catalog/instructorstatusevent/")
    assert listing.context["cl"].result_count == 2
    assert "Rita Ready" in listing.content.decode()


def test_staff_editing_an_offers_age_groups_in_the_admin_updates_teaches_kids(staff_client, nyc):
    from catalog.tests.factories import live_instructor

    offer = live_instructor(service=Service.objects.get(slug="piano"))
    price = offer.prices.get(duration_minutes=60)
    url = f"/admin/catalog/instructorservice/{offer.pk}/change/"
    form = {
        "instructor": offer.instructor.pk, "service": offer.service.pk, "description": "",
        "age_groups": "kids,adults", "levels": "beginner", "location_types": "online", "hourly_rate_cents": 9000,
        "is_active": "on", "prices-TOTAL_FORMS": 2, "prices-INITIAL_FORMS": 2,
        "prices-0-id": offer.prices.get(duration_minutes=30).pk, "prices-0-offer": offer.pk,
        "prices-0-duration_minutes": 30, "prices-0-price_cents": 4500,
        "prices-1-id": price.pk, "prices-1-offer": offer.pk, "prices-1-duration_minutes": 60,
        "prices-1-price_cents": 9000,
    }  # fmt: skip
    assert staff_client.post(url, form).status_code == 302
    offer.instructor.refresh_from_db()
    assert offer.instructor.teaches_kids is True
    assert staff_client.post(url, {**form, "age_groups": "adults"}).status_code == 302
    offer.instructor.refresh_from_db()
    assert offer.instructor.teaches_kids is False
    staff_client.post(url, {**form, "age_groups": "kids"})
    offer.instructor.refresh_from_db()
    assert offer.instructor.teaches_kids is True
    assert staff_client.post(f"/admin/catalog/instructorservice/{offer.pk}/delete/", {"post": "yes"}).status_code == 302
    offer.instructor.refresh_from_db()
    assert offer.instructor.teaches_kids is False
