"""Catalog pages, kids discovery, price floors, profile privacy, status changes."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import student
from catalog import services
from catalog.models import AgeGroup, Category, InstructorProfile, InstructorService, PriceFloor, Service, ServicePrice
from catalog.selectors import category_offers, kids_services, price_floor_cents
from catalog.tests.factories import InstructorProfileFactory, go_live_ready, live_instructor

pytestmark = pytest.mark.django_db


def test_seed_has_the_promised_catalog(nyc):
    assert Category.objects.count() >= 8
    assert Service.objects.count() >= 60
    assert set(Category.objects.values_list("slug", flat=True)) >= {
        "music", "languages", "academic-tutoring", "sports-fitness", "arts", "dance", "technology", "kids"
    }  # fmt: skip
    assert Service.objects.get(slug="piano").aliases == ["pianno", "keyboard", "keys"]
    from catalog.seed import seed_catalog

    assert seed_catalog() == 0  # idempotent


def _kids_offer(service, *, kids=True, status=InstructorProfile.Status.LIVE):
    offer = live_instructor(service=service, status=status)
    if kids:
        offer.age_groups = [AgeGroup.KIDS, AgeGroup.ADULTS]
        offer.save()
    return offer


def test_kids_discovery_is_dynamic(nyc):
    piano, violin, chess = (Service.objects.get(slug=s) for s in ("piano", "violin", "chess"))
    kids_piano = _kids_offer(piano)
    adult_piano = _kids_offer(piano, kids=False)
    _kids_offer(violin, status=InstructorProfile.Status.PAUSED)
    _kids_offer(chess, kids=False)
    assert list(kids_services()) == [piano]

    music, kids = Category.objects.get(slug="music"), Category.objects.get(slug="kids")
    assert set(category_offers(category=music, service=piano)) == {kids_piano, adult_piano}
    assert list(category_offers(category=kids, service=piano)) == [kids_piano]

    response = Client_get(reverse("category_detail", args=["kids"]))
    assert [s.slug for s in response.context["services"]] == ["piano"]
    response = Client_get(reverse("category_detail", args=["kids"]) + "?service=piano")
    assert list(response.context["page_obj"]) == [kids_piano]
    response = Client_get(reverse("category_detail", args=["music"]) + "?service=piano")
    assert set(response.context["page_obj"]) == {kids_piano, adult_piano}
    assert Client_get(reverse("category_detail", args=["kids"]) + "?service=chess").status_code == 404


def Client_get(url):  # noqa: N802 - reads like the client call it wraps
    from django.test import Client

    return Client().get(url)


def test_category_page_shows_only_live_instructors(nyc):
    piano = Service.objects.get(slug="piano")
    live = live_instructor(service=piano)
    for status in ("paused", "suspended", "onboarding"):
        live_instructor(service=piano, status=status)
    response = Client_get(reverse("category_detail", args=["music"]))
    assert list(response.context["page_obj"]) == [live]
    assert live.instructor.user.full_name in response.content.decode()


def test_price_floor_defaults_and_pro_rata(nyc):
    music = Category.objects.get(slug="music")
    assert price_floor_cents(category=music, location_type="studio", duration_minutes=30) == 4000
    assert price_floor_cents(category=music, location_type="student_place", duration_minutes=45) == 6000
    assert price_floor_cents(category=music, location_type="online", duration_minutes=30) == 3000
    assert price_floor_cents(category=music, location_type="online", duration_minutes=90) == 9000
    PriceFloor.objects.filter(category=music, location_type="online").update(hourly_floor_cents=7000)
    assert price_floor_cents(category=music, location_type="online", duration_minutes=45) == 5250


def test_price_below_floor_is_refused_with_a_clear_message_and_nothing_stored(nyc):
    profile = InstructorProfileFactory(status="onboarding")
    piano = Service.objects.get(slug="piano")
    with pytest.raises(ValidationError) as error:
        services.offer_save(
            instructor=profile, service=piano, age_groups=["adults"], levels=["beginner"],
            location_types=["studio", "online"], prices={30: 3900, 60: 9000},
        )  # fmt: skip
    assert error.value.messages == [
        "A 30-minute Music lesson at the instructor's studio must cost at least $40 ($80 per hour)."
    ]
    assert InstructorService.objects.count() == 0 and ServicePrice.objects.count() == 0
    offer = services.offer_save(
        instructor=profile, service=piano, age_groups=["kids"], levels=["beginner"],
        location_types=["studio", "online"], prices={30: 4000, 60: 9000},
    )  # fmt: skip
    assert offer.hourly_rate_cents == 8000
    assert {p.duration_minutes: p.price_cents for p in offer.prices.all()} == {30: 4000, 60: 9000}
    profile.refresh_from_db()
    assert profile.teaches_kids is True
    # Online only: the lower floor applies.
    spanish = services.offer_save(
        instructor=profile, service=Service.objects.get(slug="spanish"), age_groups=["adults"], levels=["beginner"],
        location_types=["online"], prices={30: 3000},
    )  # fmt: skip
    assert spanish.hourly_rate_cents == 6000


def test_offer_remove_only_touches_own_offers(nyc):
    mine = live_instructor(status="onboarding")
    other = live_instructor()
    assert services.offer_remove(instructor=mine.instructor, offer_public_id=other.public_id) is False
    assert InstructorService.objects.filter(pk=other.pk).exists()
    assert services.offer_remove(instructor=mine.instructor, offer_public_id=mine.public_id) is True


def test_public_profile_shows_prices_per_lesson_and_hour_and_hides_the_studio(nyc, client):
    offer = live_instructor(service=Service.objects.get(slug="piano"), prices={30: 4500, 60: 9000})
    profile = services.instructor_set_service_area(
        instructor=offer.instructor, neighborhood_slugs=["park-slope"], studio_address="350 5th Ave"
    )
    response = client.get(profile.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "30 minutes: <strong>$45</strong> per lesson" in body
    assert "($90/h)" in body
    assert "Park Slope" in body
    assert "350 5th Ave" not in body and "-73.9857" not in body
    assert "<svg" in body and "New" in body
    assert f"/instructors/{profile.public_id}/book/" in body


@pytest.mark.parametrize("status", ["onboarding", "paused", "suspended"])
def test_profiles_that_are_not_live_are_not_found(client, status):
    offer = live_instructor(status=status)
    assert client.get(offer.instructor.get_absolute_url()).status_code == 404


def test_pause_resume_and_suspend_with_hook(nyc, local_stripe):
    now = timezone.now()
    profile = services.instructor_go_live(instructor=go_live_ready(local_stripe), now=now)
    assert services.instructor_pause(instructor=profile, now=now).status == "paused"
    assert services.instructor_pause(instructor=profile, now=now).status == "paused"  # idempotent
    assert services.instructor_resume(instructor=profile, now=now).status == "live"
    called = []
    services.SUSPENSION_HOOKS.append(lambda **kwargs: called.append(kwargs))
    try:
        with pytest.raises(ValidationError):
            services.instructor_suspend(instructor=profile, reason=" ", now=now)
        assert called == []
        suspended = services.instructor_suspend(instructor=profile, reason="Fake identity", now=now)
    finally:
        services.SUSPENSION_HOOKS.pop()
    assert (suspended.status, suspended.suspended_reason) == ("suspended", "Fake identity")
    assert called == [{"instructor": suspended, "reason": "Fake identity", "now": now}]
    with pytest.raises(services.StatusChangeRefused):
        services.instructor_resume(instructor=profile, now=now)
    with pytest.raises(services.StatusChangeRefused):
        services.instructor_go_live(instructor=profile, now=now)


def test_students_cannot_open_onboarding(client):
    person = student()
    client.force_login(person)
    assert client.get(reverse("onboarding_step", args=["profile"])).status_code == 403
    assert InstructorProfile.objects.count() == 0


def test_demo_seed_is_idempotent_and_varied(db):
    from accounts.seed import seed_demo_people
    from catalog.seed import seed_demo_catalog
    from catalog.selectors import instructor_covers_point

    seed_demo_people()
    seed_demo_catalog(instructors=40)
    seed_demo_catalog(instructors=40)
    live = InstructorProfile.objects.filter(status="live")
    assert live.count() == 41  # 40 demo instructors + the demo login
    assert live.filter(coverage__isnull=True).count() == 0
    assert InstructorService.objects.filter(instructor__in=live).values("service").distinct().count() > 10
    demo = InstructorProfile.objects.get(user__email="instructor@demo.instainstru.com")
    assert demo.services.get().service.slug == "piano"
    from catalog.geocoding import geocode

    assert instructor_covers_point(instructor=demo, point=geocode("11215").point)


def test_staff_suspend_from_admin_asks_for_a_reason_then_suspends(staff_client):
    from catalog.models import InstructorProfile
    from catalog.tests.factories import live_instructor

    profile = live_instructor().instructor
    url = "/admin/catalog/instructorprofile/"
    form_page = staff_client.post(url, {"action": "suspend_selected", "_selected_action": [profile.pk]})
    assert form_page.status_code == 200
    assert "Reason (shown to the instructor)" in form_page.content.decode()
    profile.refresh_from_db()
    assert profile.status == InstructorProfile.Status.LIVE

    empty = staff_client.post(
        url, {"action": "suspend_selected", "_selected_action": [profile.pk], "apply": "1", "reason": " "}
    )
    assert "This field is required." in empty.content.decode()
    profile.refresh_from_db()
    assert profile.status == InstructorProfile.Status.LIVE

    done = staff_client.post(
        url, {"action": "suspend_selected", "_selected_action": [profile.pk], "apply": "1", "reason": "Fake reviews"}
    )
    assert done.status_code == 302
    profile.refresh_from_db()
    assert (profile.status, profile.suspended_reason) == (InstructorProfile.Status.SUSPENDED, "Fake reviews")
