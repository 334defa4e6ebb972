"""Category icons (a vendored sprite, chosen by staff) and service descriptions (seeded, shown on the
category page and on each offer of a profile, unless the instructor wrote their own)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from catalog import services
from catalog.catalog_data import CATEGORIES, SERVICES
from catalog.icons import ICON_NAMES, SPRITE
from catalog.models import Category, Service
from catalog.seed import seed_catalog
from catalog.tests.factories import live_instructor

pytestmark = pytest.mark.django_db


def sprite_symbols() -> set[str]:
    text = (Path(settings.BASE_DIR) / "static" / SPRITE).read_text()
    return set(re.findall(r'<symbol id="icon-([a-z-]+)"', text))


def test_every_icon_name_has_a_symbol_and_every_category_an_icon():
    assert sprite_symbols() == set(ICON_NAMES)
    assert {icon for _, _, _, icon, _ in CATEGORIES} <= set(ICON_NAMES)


def test_the_category_page_shows_its_icon_the_other_categories_and_the_service_description(nyc, client):
    body = client.get(reverse("category_detail", args=["music"])).content.decode()
    heading = re.search(r"<h1>.*?</h1>", body, re.S).group(0)
    assert '<use href="/static/icons/categories.svg#icon-music"></use>' in heading
    other = re.search(r'<nav aria-labelledby="other-categories-h">.*?</nav>', body, re.S).group(0)
    names = re.findall(r'icon-([a-z]+)"></use></svg>([^<]+)</a>', other)
    assert names == [(c.icon_name, c.name) for c in Category.objects.exclude(slug="music")]
    assert names[0] == ("languages", "Languages")  # display order
    piano = client.get(reverse("category_detail", args=["music"]) + "?service=piano").content.decode()
    assert (
        '<p class="service-description">Reading music, technique and pieces you love, from first notes to '
        "advanced repertoire.</p>"
    ) in piano


def test_the_home_page_shows_each_category_with_its_icon(nyc, client):
    body = client.get(reverse("home")).content.decode()
    cards = re.findall(r'icon-([a-z]+)"></use></svg><strong>([^<]+)</strong>', body)
    assert cards == [(c.icon_name, c.name) for c in Category.objects.all()]


def test_an_icon_the_sprite_lacks_shows_the_generic_one(nyc, client):
    Category.objects.filter(slug="music").update(icon_name="trombone")
    body = client.get(reverse("category_detail", args=["music"])).content.decode()
    assert "#icon-category" in re.search(r"<h1>.*?</h1>", body, re.S).group(0)


def test_staff_choose_icons_from_the_set(staff_client, nyc):
    music = Category.objects.get(slug="music")
    form = {"name": "Music", "slug": "music", "subtitle": music.subtitle, "display_order": 10,
            "price_floors-TOTAL_FORMS": 0, "price_floors-INITIAL_FORMS": 0}  # fmt: skip
    refused = staff_client.post(f"/admin/catalog/category/{music.pk}/change/", {**form, "icon_name": "trombone"})
    assert refused.status_code == 200
    assert "Select a valid choice. trombone is not one of the available choices." in refused.content.decode()
    music.refresh_from_db()
    assert music.icon_name == "music"
    done = staff_client.post(f"/admin/catalog/category/{music.pk}/change/", {**form, "icon_name": "sparkles"})
    assert done.status_code == 302
    music.refresh_from_db()
    assert music.icon_name == "sparkles"


def test_every_seeded_service_has_a_description_and_reseeding_keeps_staff_text(nyc):
    assert Service.objects.filter(description="").count() == 0
    assert Service.objects.count() == sum(len(rows) for rows in SERVICES.values())
    Service.objects.filter(slug="piano").update(description="")  # seeded before descriptions existed
    Service.objects.filter(slug="guitar").update(description="Staff wrote this.")
    assert seed_catalog() == 0
    assert Service.objects.get(slug="piano").description.startswith("Reading music, technique")
    assert Service.objects.get(slug="guitar").description == "Staff wrote this."


def test_profile_offers_show_the_instructors_description_or_the_services(nyc, client):
    piano = live_instructor(service=Service.objects.get(slug="piano"))
    guitar = services.offer_save(
        instructor=piano.instructor, service=Service.objects.get(slug="guitar"), age_groups=["adults"],
        levels=["beginner"], location_types=["online"], prices={60: 7000},
        description="Blues licks from week one.",
    )  # fmt: skip
    body = client.get(piano.instructor.get_absolute_url()).content.decode()
    assert '<p class="offer-description">Reading music, technique and pieces you love' in body
    assert '<p class="offer-description">Blues licks from week one.</p>' in body
    assert guitar.description == "Blues licks from week one."


def test_the_skills_step_saves_the_lesson_description(nyc, client):
    offer = live_instructor(service=Service.objects.get(slug="piano"), status="onboarding")
    client.force_login(offer.instructor.user)
    response = client.post(reverse("onboarding_step", args=["skills"]), {
        "service": Service.objects.get(slug="cello").pk, "age_groups": ["adults"], "levels": ["beginner"],
        "location_types": ["online"], "price_60": "70", "description": "  Bach suites and scales.  ",
    })  # fmt: skip
    assert response.status_code == 302
    assert offer.instructor.services.get(service__slug="cello").description == "Bach suites and scales."
