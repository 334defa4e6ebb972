"""Each onboarding step shows what is still missing, and the step list marks each step "to do" or
"done" as the instructor completes it."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import instructor_user
from catalog import services
from catalog.models import Service
from catalog.tests.factories import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client, nyc):
    user = instructor_user(full_name="Nina New")
    client.force_login(user)
    return services.instructor_profile_start(user=user)


def page(client, step: str) -> str:
    response = client.get(reverse("onboarding_step", args=[step]))
    assert response.status_code == 200
    return response.content.decode()


def missing_lines(body: str) -> list[str]:
    return re.findall(r'<p class="error">Missing: ([^<]+)</p>', body)


def step_marks(body: str) -> dict[str, str]:
    nav = re.search(r'<nav aria-label="Onboarding steps".*?</nav>', body, re.S).group(0)
    marks = {}
    for item in re.findall(r"<li.*?</li>", nav, re.S):
        name = re.search(r">([^<]+)</a>", item).group(1)
        mark = re.search(r'<span class="small [a-z]+">([^<]+)</span>', item)
        marks[name] = mark.group(1) if mark else ""
    return marks


def test_the_profile_step_names_each_missing_part(client, me):
    assert missing_lines(page(client, "profile")) == [
        "a headline.", "a bio of at least 80 characters.", "a profile photo."
    ]  # fmt: skip
    services.instructor_update_profile(instructor=me, headline="Drums", bio="Rock and jazz drums.",
                                       years_experience=2, languages=["English"])  # fmt: skip
    assert missing_lines(page(client, "profile")) == [
        "a bio of at least 80 characters (yours has 20).", "a profile photo."
    ]  # fmt: skip
    services.instructor_update_profile(instructor=me, headline="Drums", bio="Rock and jazz drums for all. " * 4,
                                       years_experience=2, languages=["English"])  # fmt: skip
    services.instructor_set_photo(instructor=me, upload=photo_upload())
    assert missing_lines(page(client, "profile")) == []


def test_the_skills_step_says_a_priced_service_is_missing(client, me):
    assert missing_lines(page(client, "skills")) == ["at least one service with a price."]
    services.offer_save(instructor=me, service=Service.objects.get(slug="drums"), age_groups=["adults"],
                        levels=["beginner"], location_types=["online"], prices={60: 6000})  # fmt: skip
    body = page(client, "skills")
    assert missing_lines(body) == []
    assert "Remove Drums" in body


def test_the_area_step_asks_for_what_the_offers_need(client, me):
    assert missing_lines(page(client, "area")) == ["Add a service first: where lessons happen is chosen per service."]
    services.offer_save(instructor=me, service=Service.objects.get(slug="drums"), age_groups=["adults"],
                        levels=["beginner"], location_types=["student_place", "studio"], prices={60: 8000})  # fmt: skip
    body = page(client, "area")
    assert "Your lessons happen: At the instructor&#x27;s studio, At the student&#x27;s place." in body
    assert missing_lines(body) == [
        "Choose the neighborhoods you travel to, or a distance from your base address.",
        "Enter your studio&#x27;s address (students see only the neighborhood).",
    ]
    services.instructor_set_service_area(instructor=me, neighborhood_slugs=["astoria"])
    assert missing_lines(page(client, "area")) == [
        "Enter your studio&#x27;s address (students see only the neighborhood)."
    ]
    services.instructor_set_service_area(instructor=me, neighborhood_slugs=["astoria"], studio_address="11215")
    assert missing_lines(page(client, "area")) == []


def test_an_online_only_service_needs_no_area(client, me):
    services.offer_save(instructor=me, service=Service.objects.get(slug="drums"), age_groups=["adults"],
                        levels=["beginner"], location_types=["online"], prices={60: 6000})  # fmt: skip
    assert missing_lines(page(client, "area")) == []


def test_the_step_list_marks_steps_to_do_and_done(client, me):
    assert step_marks(page(client, "welcome")) == {
        "Welcome": "", "Profile and photo": "to do", "Skills and pricing": "to do",
        "Service area and location types": "to do", "Verification": "to do", "Payouts": "to do", "Go live": "",
    }  # fmt: skip
    services.instructor_update_profile(instructor=me, headline="Drums", bio="Rock and jazz drums for all. " * 4,
                                       years_experience=2, languages=["English"])  # fmt: skip
    services.instructor_set_photo(instructor=me, upload=photo_upload())
    services.offer_save(instructor=me, service=Service.objects.get(slug="drums"), age_groups=["adults"],
                        levels=["beginner"], location_types=["online"], prices={60: 6000})  # fmt: skip
    marks = step_marks(page(client, "go-live"))
    assert marks["Profile and photo"] == marks["Skills and pricing"] == "✓ done"
    assert marks["Service area and location types"] == "✓ done"  # online only
    assert marks["Verification"] == marks["Payouts"] == "to do"


def test_the_go_live_step_lists_what_is_missing_with_links(client, me):
    body = page(client, "go-live")
    items = re.findall(r'<li class="error">Missing: ([^<]+) \(<a href="([^"]+)">([^<]+)</a>\)</li>', body)
    assert items == [
        ("a headline, a bio and a photo", "/teach/onboarding/profile/", "Profile and photo"),
        ("at least one service with a price", "/teach/onboarding/skills/", "Skills and pricing"),
        ("where you teach", "/teach/onboarding/area/", "Service area and location types"),
        ("identity verification approved", "/teach/onboarding/verification/", "Verification"),
        ("payouts set up", "/teach/onboarding/payouts/", "Payouts"),
    ]
    assert re.search(r"<button type=\"submit\" disabled>Go live</button>", body)


def test_the_payouts_step_says_not_set_up_yet(client, me):
    body = page(client, "payouts")
    assert "Payouts: not set up yet." in body
    assert "Set up payouts" in body
