"""The search parameters, shared by the page and the API (the same names in both)."""

from decimal import Decimal

from django import forms

from catalog.models import AgeGroup, Level, LocationType
from search.engine import NEAR_ME
from search.selectors import Sort


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="What do you want to learn?")
    category = forms.SlugField(required=False, label="Category")
    service = forms.SlugField(required=False, label="Service")
    age = forms.ChoiceField(required=False, choices=[("", "Any age"), *AgeGroup.choices], label="Age group")
    level = forms.ChoiceField(required=False, choices=[("", "Any level"), *Level.choices])
    # Dollars an hour before fees, cents allowed ("under $89.99" must not become $89).
    price_min = forms.DecimalField(
        required=False, min_value=0, max_value=10000, max_digits=7, decimal_places=2, label="Min $/hour"
    )
    price_max = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_value=10000, max_digits=7, decimal_places=2, label="Max $/hour"
    )
    type = forms.MultipleChoiceField(required=False, choices=LocationType.choices, label="Lesson type")
    area = forms.CharField(required=False, max_length=100, label="Area", help_text="A neighborhood or borough")
    where = forms.CharField(required=False, max_length=200, label="Place", help_text="A ZIP code or street address")
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label="Latitude")
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, label="Longitude")
    near = forms.ChoiceField(
        required=False,
        choices=[("", "Anywhere"), (NEAR_ME, "Near me")],
        label="Near",
        help_text="“me”: the searcher asked for near them; lat and lng say where that is",
    )
    radius_km = forms.FloatField(required=False, min_value=1, max_value=50, label="Within (km)")
    when = forms.CharField(required=False, max_length=80, help_text="For example “saturday morning”")
    min_rating = forms.FloatField(required=False, min_value=1, max_value=5, label="Minimum rating")
    sort = forms.ChoiceField(required=False, choices=Sort.CHOICES, label="Sort by")
    page = forms.IntegerField(required=False, min_value=1, label="Page")

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", "The maximum price must be at least the minimum price.")
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("lat", "Your location needs both a latitude and a longitude.")
        return data
