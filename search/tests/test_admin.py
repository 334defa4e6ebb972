"""Staff approve or reject learned aliases in the admin; the parser follows their decision."""

import pytest
from django.urls import reverse

from accounts.tests.factories import student
from search.lookups import DatabaseLookup
from search.models import SearchTermAlias
from search.parsing import parse_query
from search.tests.helpers import NEW_YORK, NOW, make_catalog

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:search_searchtermalias_changelist")


@pytest.fixture
def aliases():
    catalog = make_catalog()
    candidate = SearchTermAlias.objects.create(
        term="klavier", service=catalog["piano"], distinct_users=1, created_at=NOW, updated_at=NOW
    )
    learned = SearchTermAlias.objects.create(
        term="shredding", service=catalog["guitar"], distinct_users=3, status="active", created_at=NOW, updated_at=NOW
    )
    return candidate, learned


def understood_service(term):
    parsed = parse_query(term, lookup=DatabaseLookup(), now=NOW, zone=NEW_YORK)
    return parsed.service.slug if parsed.service else None


def act(client, action, *aliases):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [alias.pk for alias in aliases]})


def test_staff_approve_a_candidate_and_reject_a_learned_alias(staff_client, aliases):
    candidate, learned = aliases
    assert (understood_service("klavier"), understood_service("shredding")) == (None, "guitar")

    response = act(staff_client, "approve", candidate)
    assert response.status_code == 302
    response = act(staff_client, "reject", learned)
    assert response.status_code == 302

    candidate.refresh_from_db()
    learned.refresh_from_db()
    assert (candidate.status, learned.status) == ("approved", "rejected")
    assert (understood_service("klavier"), understood_service("shredding")) == ("piano", None)
    listing = staff_client.get(CHANGELIST, {"status": "approved"}).content.decode()
    assert "klavier" in listing
    assert "shredding" not in listing


def test_approving_twice_changes_nothing_and_a_rejected_alias_can_be_approved(staff_client, aliases):
    candidate, learned = aliases
    act(staff_client, "reject", learned)
    act(staff_client, "approve", candidate, learned)
    act(staff_client, "approve", candidate)
    assert dict(SearchTermAlias.objects.values_list("term", "status")) == {
        "klavier": "approved",
        "shredding": "approved",
    }


def test_students_cannot_decide(client, aliases):
    candidate, _ = aliases
    client.force_login(student())
    response = act(client, "approve", candidate)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    candidate.refresh_from_db()
    assert candidate.status == "candidate"
    assert understood_service("klavier") is None


def test_aliases_are_learned_not_typed_in(staff_client, aliases):
    assert staff_client.get(reverse("admin:search_searchtermalias_add")).status_code == 403
