import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import MAX_SAVED_ADDRESSES, SavedAddress
from accounts.services import saved_address_add
from accounts.tests.factories import student
from catalog.geocoding import UNKNOWN_ADDRESS_MESSAGE
from catalog.seed import seed_neighborhoods

pytestmark = pytest.mark.django_db


def test_an_address_is_geocoded_when_saved():
    seed_neighborhoods()
    learner = student()
    address = saved_address_add(user=learner, label=" Home ", text="200 eastern parkway")
    assert (address.label, address.text) == ("Home", "200 Eastern Pkwy, Brooklyn")
    assert (round(address.point.x, 4), round(address.point.y, 4)) == (-73.9636, 40.6712)
    assert address.neighborhood.slug == "prospect-heights"


def test_unknown_address_repeated_label_and_too_many_store_nothing():
    learner = student()
    with pytest.raises(ValidationError) as unknown:
        saved_address_add(user=learner, label="Home", text="12 Nowhere Lane, Atlantis")
    assert unknown.value.message_dict == {"text": [UNKNOWN_ADDRESS_MESSAGE]}
    assert SavedAddress.objects.count() == 0
    saved_address_add(user=learner, label="Home", text="11215")
    with pytest.raises(ValidationError) as repeated:
        saved_address_add(user=learner, label="home", text="10001")
    assert repeated.value.message_dict == {"label": ["You already have an address called “home”."]}
    for number in range(MAX_SAVED_ADDRESSES - 1):
        saved_address_add(user=learner, label=f"Place {number}", text="10001")
    with pytest.raises(ValidationError, match="up to 10 addresses"):
        saved_address_add(user=learner, label="One too many", text="10002")
    assert SavedAddress.objects.filter(user=learner).count() == MAX_SAVED_ADDRESSES


def test_settings_page_adds_lists_and_removes_own_addresses(client):
    learner = student()
    client.force_login(learner)
    response = client.post(reverse("saved_address_create"), {"label": "Office", "text": "350 5th Ave"})
    assert response.status_code == 302
    page = client.get(reverse("account_settings")).content.decode()
    assert "Office</strong>: 350 5th Ave, Manhattan" in page
    response = client.post(reverse("saved_address_create"), {"label": "Gym", "text": "Middle of nowhere"})
    assert response.status_code == 400
    assert "We couldn&#x27;t find that address" in response.content.decode()
    assert list(SavedAddress.objects.values_list("label", flat=True)) == ["Office"]
    office = SavedAddress.objects.get()
    assert client.post(reverse("saved_address_delete", args=[office.public_id])).status_code == 302
    assert SavedAddress.objects.count() == 0


def test_nobody_else_can_remove_or_see_an_address(client):
    owner = student()
    home = saved_address_add(user=owner, label="Home", text="11215")
    client.force_login(student())
    assert "11215" not in client.get(reverse("account_settings")).content.decode()
    response = client.post(reverse("saved_address_delete", args=[home.public_id]), follow=True)
    assert "That address is not one of yours." in response.content.decode()
    assert SavedAddress.objects.filter(pk=home.pk, user=owner).count() == 1
    client.logout()
    assert client.post(reverse("saved_address_delete", args=[home.public_id])).status_code == 302
    assert SavedAddress.objects.count() == 1
