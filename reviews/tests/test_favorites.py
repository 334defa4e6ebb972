from datetime import UTC, datetime

import pytest

from accounts.tests.factories import student
from catalog.models import InstructorProfile
from catalog.tests.factories import live_instructor
from reviews.errors import RefusedError
from reviews.models import Favorite
from reviews.selectors import favorite_instructor_ids
from reviews.services import MAX_FAVORITES, favorite_set

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


def test_favorite_set_is_idempotent_and_removable():
    person, profile = student(), live_instructor().instructor
    assert favorite_set(user=person, instructor=profile, favorite=True, now=NOW) is True
    assert favorite_set(user=person, instructor=profile, favorite=True, now=NOW) is True
    assert Favorite.objects.filter(user=person).count() == 1
    assert favorite_instructor_ids(person) == {profile.pk}
    assert favorite_set(user=person, instructor=profile, favorite=False, now=NOW) is False
    assert favorite_set(user=person, instructor=profile, favorite=False, now=NOW) is False
    assert Favorite.objects.count() == 0


def test_cannot_favorite_yourself():
    profile = live_instructor().instructor
    with pytest.raises(RefusedError, match="can't add yourself"):
        favorite_set(user=profile.user, instructor=profile, favorite=True, now=NOW)
    assert Favorite.objects.count() == 0


def test_cannot_favorite_an_instructor_who_is_not_live_but_can_remove_them():
    person, profile = student(), live_instructor().instructor
    favorite_set(user=person, instructor=profile, favorite=True, now=NOW)
    other = live_instructor(status=InstructorProfile.Status.SUSPENDED).instructor
    with pytest.raises(RefusedError, match="isn't taking students right now") as refusal:
        favorite_set(user=person, instructor=other, favorite=True, now=NOW)
    assert refusal.value.status == 409
    assert favorite_instructor_ids(person) == {profile.pk}
    profile.status = InstructorProfile.Status.PAUSED
    profile.save()
    favorite_set(user=person, instructor=profile, favorite=False, now=NOW)
    assert Favorite.objects.count() == 0


def test_cannot_favorite_an_instructor_whose_account_is_deactivated():
    person, profile = student(), live_instructor().instructor
    profile.user.is_active = False
    profile.user.save()
    with pytest.raises(RefusedError, match="isn't taking students right now"):
        favorite_set(user=person, instructor=profile, favorite=True, now=NOW)
    assert Favorite.objects.count() == 0


def test_the_reviews_page_of_a_deactivated_instructor_is_not_found(client):
    profile = live_instructor().instructor
    assert client.get(f"/instructors/{profile.public_id}/reviews/").status_code == 200
    profile.user.is_active = False
    profile.user.save()
    assert client.get(f"/instructors/{profile.public_id}/reviews/").status_code == 404


def test_favorites_are_capped(monkeypatch):
    monkeypatch.setattr("reviews.services.MAX_FAVORITES", 2)
    person = student()
    first, second, third = (live_instructor().instructor for _ in range(3))
    favorite_set(user=person, instructor=first, favorite=True, now=NOW)
    favorite_set(user=person, instructor=second, favorite=True, now=NOW)
    with pytest.raises(RefusedError, match="up to 2 favorites"):
        favorite_set(user=person, instructor=third, favorite=True, now=NOW)
    assert favorite_instructor_ids(person) == {first.pk, second.pk}
    assert MAX_FAVORITES == 200


def test_heart_post_sets_and_unsets(client):
    person, profile = student(), live_instructor().instructor
    client.force_login(person)
    response = client.post(f"/favorites/{profile.public_id}/", {"favorite": "true"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "false"  # a heart never changes the page's address
    assert 'aria-pressed="true"' in response.content.decode()
    assert f"Remove {profile.user.full_name} from favorites" in response.content.decode()
    assert Favorite.objects.filter(user=person, instructor=profile).count() == 1
    response = client.post(f"/favorites/{profile.public_id}/", {"favorite": "false"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.content.decode()
    assert Favorite.objects.count() == 0


def test_heart_without_state_toggles(client):
    person, profile = student(), live_instructor().instructor
    client.force_login(person)
    client.post(f"/favorites/{profile.public_id}/")
    assert Favorite.objects.filter(user=person).count() == 1
    client.post(f"/favorites/{profile.public_id}/")
    assert Favorite.objects.filter(user=person).count() == 0


def test_guest_heart_is_refused_with_a_message_and_nothing_stored(client):
    profile = live_instructor().instructor
    response = client.post(f"/favorites/{profile.public_id}/", {"favorite": "true"}, HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Push-Url"]) == (401, "false")
    assert response.content.decode() == "Log in to save favorites."
    assert Favorite.objects.count() == 0


def test_refused_heart_answers_with_the_message(client):
    person = student()
    profile = live_instructor(status=InstructorProfile.Status.PAUSED).instructor
    client.force_login(person)
    response = client.post(f"/favorites/{profile.public_id}/", {"favorite": "true"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "isn't taking students right now" in response.content.decode()
    assert Favorite.objects.count() == 0
    response = client.post(f"/favorites/{profile.public_id}/", {"favorite": "true"})
    assert response.status_code == 409
    assert 'aria-pressed="false"' in response.content.decode()
    assert Favorite.objects.count() == 0


def test_heart_needs_post_and_a_real_instructor(client):
    person, profile = student(), live_instructor().instructor
    client.force_login(person)
    assert client.get(f"/favorites/{profile.public_id}/").status_code == 405
    assert client.post("/favorites/NOSUCHPROFILE/", {"favorite": "true"}).status_code == 404
    assert Favorite.objects.count() == 0


def test_favorites_page_lists_only_mine_with_one_query_for_hearts(client, django_assert_max_num_queries):
    person, someone_else = student(), student()
    mine = [live_instructor().instructor for _ in range(3)]
    theirs = live_instructor().instructor
    for profile in mine:
        favorite_set(user=person, instructor=profile, favorite=True, now=NOW)
    favorite_set(user=someone_else, instructor=theirs, favorite=True, now=NOW)
    client.force_login(person)
    with django_assert_max_num_queries(8):
        response = client.get("/favorites/")
    html = response.content.decode()
    for profile in mine:
        assert profile.user.full_name in html
        assert f"Remove {profile.user.full_name} from favorites" in html
    assert theirs.user.full_name not in html


def test_favorites_page_needs_login(client):
    response = client.get("/favorites/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
