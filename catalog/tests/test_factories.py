import pytest

from catalog.tests.factories import live_instructor

pytestmark = pytest.mark.django_db


def test_live_instructor_offers_prices_per_duration():
    offer = live_instructor(prices={30: 5000, 60: 9000})
    assert offer.instructor.is_live
    assert offer.price_cents_for(30) == 5000
    assert offer.price_cents_for(45) is None
    assert offer.hourly_rate_cents == 9000
