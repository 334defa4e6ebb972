"""Staff edit the catalog through the admin's own change forms (logged in with 2FA): categories
and services (the order everywhere follows), price floors (enforced at once), the founding flag."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from catalog import services
from catalog.models import Category, PriceFloor, Service
from catalog.tests.factories import InstructorProfileFactory

pytestmark = pytest.mark.django_db


def change_form_data(response) -> dict:
    """What the admin change page would post back unchanged: its form's and inlines' current values."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            if isinstance(field, forms.FileField):
                continue
            value = field.prepare_value(bound.value()) if not isinstance(field, forms.BooleanField) else bound.value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def edit(staff_client, url: str, **changes):
    page = staff_client.get(url)
    assert page.status_code == 200
    return staff_client.post(url, {**change_form_data(page), **changes})


def names_in_order(body: str, names: list[str]) -> list[str]:
    return sorted(names, key=body.find)


def test_staff_rename_and_reorder_a_category(staff_client, nyc):
    music, languages = Category.objects.get(slug="music"), Category.objects.get(slug="languages")
    url = f"/admin/catalog/category/{languages.pk}/change/"
    response = edit(staff_client, url, name="World languages", subtitle="Speak anywhere", display_order="1")
    assert response.status_code == 302
    languages.refresh_from_db()
    assert (languages.name, languages.subtitle, languages.display_order) == ("World languages", "Speak anywhere", 1)
    body = Client().get(reverse("home")).content.decode()
    assert names_in_order(body, ["Music", "World languages"]) == ["World languages", "Music"]
    assert list(Category.objects.values_list("slug", flat=True))[:2] == ["languages", "music"]
    assert music.display_order > 1


def test_staff_edit_a_service_its_aliases_and_its_place_in_the_list(staff_client, nyc):
    cello = Service.objects.get(slug="cello")
    response = edit(staff_client, f"/admin/catalog/service/{cello.pk}/change/",
                    name="Cello", aliases="chello,violoncello", description="Bowing, posture and repertoire.",
                    display_order="1")  # fmt: skip
    assert response.status_code == 302
    cello.refresh_from_db()
    assert (cello.aliases, cello.description, cello.display_order) == (
        ["chello", "violoncello"], "Bowing, posture and repertoire.", 1
    )  # fmt: skip
    response = Client().get(reverse("category_detail", args=["music"]))
    assert [service.name for service in response.context["services"]][:2] == ["Cello", "Piano"]


def test_staff_add_a_service_with_a_clear_error_for_a_taken_slug(staff_client, nyc):
    music = Category.objects.get(slug="music")
    add = {"category": music.pk, "name": "Harp", "slug": "harp", "aliases": "", "description": "", "display_order": 5}
    assert staff_client.post("/admin/catalog/service/add/", add).status_code == 302
    assert Service.objects.get(slug="harp").category == music
    again = staff_client.post("/admin/catalog/service/add/", {**add, "name": "Harp again"})
    assert again.status_code == 200
    assert "Service with this Slug already exists." in again.content.decode()
    assert Service.objects.filter(name="Harp again").count() == 0


def test_staff_raise_a_price_floor_and_it_is_enforced(staff_client, nyc):
    music = Category.objects.get(slug="music")
    floor = PriceFloor.objects.get(category=music, location_type="student_place")
    response = edit(staff_client, f"/admin/catalog/pricefloor/{floor.pk}/change/", hourly_floor_cents="8550")
    assert response.status_code == 302
    floor.refresh_from_db()
    assert floor.hourly_floor_cents == 8550
    profile = InstructorProfileFactory(status="onboarding")
    with pytest.raises(ValidationError) as refused:
        services.offer_save(instructor=profile, service=Service.objects.get(slug="piano"), age_groups=["adults"],
                            levels=["beginner"], location_types=["student_place"], prices={30: 4200})  # fmt: skip
    assert refused.value.messages == [
        "A 30-minute Music lesson at the student's place must cost at least $42.75 ($85.50 per hour)."
    ]
    assert profile.services.count() == 0


def test_staff_edit_floors_inline_on_the_category_page(staff_client, nyc):
    music = Category.objects.get(slug="music")
    page = staff_client.get(f"/admin/catalog/category/{music.pk}/change/")
    data = change_form_data(page)
    online = PriceFloor.objects.get(category=music, location_type="online")
    (key,) = [name for name, value in data.items() if name.endswith("-id") and value == str(online.pk)]
    data[key.replace("-id", "-hourly_floor_cents")] = "6500"
    assert staff_client.post(f"/admin/catalog/category/{music.pk}/change/", data).status_code == 302
    online.refresh_from_db()
    assert online.hourly_floor_cents == 6500


def test_staff_set_the_founding_flag(staff_client):
    profile = InstructorProfileFactory(status="live")
    response = edit(staff_client, f"/admin/catalog/instructorprofile/{profile.pk}/change/", is_founding="on")
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.is_founding, profile.status) == (True, "live")
    data = change_form_data(staff_client.get(f"/admin/catalog/instructorprofile/{profile.pk}/change/"))
    data.pop("is_founding")
    assert staff_client.post(f"/admin/catalog/instructorprofile/{profile.pk}/change/", data).status_code == 302
    profile.refresh_from_db()
    assert profile.is_founding is False


def test_the_admin_cannot_move_an_instructors_private_places(staff_client):
    profile = InstructorProfileFactory()
    form = staff_client.get(f"/admin/catalog/instructorprofile/{profile.pk}/change/").context["adminform"].form
    assert {"studio_address", "studio_point", "base_point", "travel_radius_m", "teaches_kids"}.isdisjoint(form.fields)
