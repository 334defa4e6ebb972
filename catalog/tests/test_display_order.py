"""Ordering follows display order everywhere categories, services and an instructor's offers are
listed. The rows are made so that display order, name order and creation order all differ: a list
sorted by name or by primary key fails these tests."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD, student
from catalog.models import InstructorService, ServicePrice
from catalog.tests.factories import CategoryFactory, InstructorServiceFactory, ServiceFactory, live_instructor

pytestmark = pytest.mark.django_db

# Created in this order; display order puts them Mango, Zebra, Alpha.
CATEGORIES = [("Zebra Arts", 20), ("Alpha Music", 30), ("Mango Languages", 10)]
# Services of Alpha Music, created in this order; display order puts them Oboe, Xylophone, Cello.
SERVICES = [("Xylophone", 2), ("Cello", 3), ("Oboe", 1)]


@pytest.fixture
def catalog():
    categories = {name: CategoryFactory(name=name, display_order=order) for name, order in CATEGORIES}
    kids = CategoryFactory(name="Kids", slug="kids", display_order=90, is_kids=True)
    music = categories["Alpha Music"]
    services = {name: ServiceFactory(category=music, name=name, display_order=order) for name, order in SERVICES}
    services["Pottery"] = ServiceFactory(category=categories["Zebra Arts"], name="Pottery", display_order=50)
    return categories, kids, services


@pytest.fixture
def instructor(catalog):
    """One live instructor offering every service, to kids too, the offers made in name order."""
    _, _, services = catalog
    names = sorted(services)
    first = live_instructor(service=services[names[0]], prices={60: 9000})
    for name in names[1:]:
        offer = InstructorServiceFactory(instructor=first.instructor, service=services[name], hourly_rate_cents=9000)
        ServicePrice.objects.create(offer=offer, duration_minutes=60, price_cents=9000)
    InstructorService.objects.update(age_groups=["kids", "adults"])
    return first.instructor


def order_in(body: str, names) -> list[str]:
    """`names` in the order they first appear in the page."""
    found = {name: body.find(name) for name in names}
    assert all(position >= 0 for position in found.values()), found
    return sorted(names, key=found.get)


def test_home_lists_categories_in_display_order(catalog):
    body = Client().get(reverse("home")).content.decode()
    assert order_in(body, ["Zebra Arts", "Alpha Music", "Mango Languages", "Kids"]) == [
        "Mango Languages", "Zebra Arts", "Alpha Music", "Kids"
    ]  # fmt: skip


def test_display_order_edited_by_staff_reorders_the_home_page(catalog):
    categories, _, _ = catalog
    categories["Alpha Music"].display_order = 1
    categories["Alpha Music"].save()
    body = Client().get(reverse("home")).content.decode()
    assert order_in(body, ["Zebra Arts", "Alpha Music", "Mango Languages"]) == [
        "Alpha Music", "Mango Languages", "Zebra Arts"
    ]  # fmt: skip


def test_category_page_lists_its_services_in_display_order(catalog):
    categories, _, _ = catalog
    response = Client().get(categories["Alpha Music"].get_absolute_url())
    assert [service.name for service in response.context["services"]] == ["Oboe", "Xylophone", "Cello"]
    assert order_in(response.content.decode(), ["Xylophone", "Cello", "Oboe"]) == ["Oboe", "Xylophone", "Cello"]


def test_kids_page_lists_services_by_category_then_service_display_order(instructor, catalog):
    _, kids, _ = catalog
    response = Client().get(kids.get_absolute_url())
    # Pottery's category (Zebra Arts, 20) comes before the music services' (Alpha Music, 30).
    assert [service.name for service in response.context["services"]] == ["Pottery", "Oboe", "Xylophone", "Cello"]


def test_profile_lists_the_instructors_offers_in_display_order(instructor):
    body = Client().get(instructor.get_absolute_url()).content.decode()
    assert order_in(body, ["Cello", "Oboe", "Pottery", "Xylophone"]) == ["Pottery", "Oboe", "Xylophone", "Cello"]


def test_onboarding_lists_offers_and_the_service_choice_in_display_order(instructor, catalog):
    instructor.status = "onboarding"
    instructor.save()
    client = Client()
    client.force_login(instructor.user)
    response = client.get(reverse("onboarding_step", args=["skills"]))
    assert [offer.service.name for offer in response.context["offers"]] == ["Pottery", "Oboe", "Xylophone", "Cello"]
    choices = [label for value, label in response.context["offer_form"].fields["service"].choices if value]
    assert choices == ["Pottery", "Oboe", "Xylophone", "Cello"]


def test_booking_page_offers_the_services_in_display_order(instructor):
    client = Client()
    assert client.login(email=student().email, password=PASSWORD)
    response = client.get(reverse("booking_start", args=[instructor.public_id]))
    assert [label for _, label in response.context["form"].fields["offer"].choices] == [
        "Pottery", "Oboe", "Xylophone", "Cello"
    ]  # fmt: skip


def test_admin_lists_categories_and_services_in_display_order(catalog, staff_client):
    body = staff_client.get("/admin/catalog/category/").content.decode()
    assert order_in(body, ["Zebra Arts", "Alpha Music", "Mango Languages"]) == [
        "Mango Languages", "Zebra Arts", "Alpha Music"
    ]  # fmt: skip
    rows = re.findall(
        r'class="field-name">(?:<a [^>]*>)?([^<]+)<', staff_client.get("/admin/catalog/service/").content.decode()
    )
    assert rows == ["Pottery", "Oboe", "Xylophone", "Cello"]
