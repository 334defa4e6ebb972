from datetime import date

from django import forms

from bookings.models import ProblemReport
from bookings.services import INSTRUCTOR_PROBLEMS, STUDENT_PROBLEMS
from catalog.geocoding import UNKNOWN_ADDRESS_MESSAGE, geocode
from catalog.models import LocationType


class ChooseForm(forms.Form):
    offer = forms.ChoiceField(label="Service")
    duration = forms.TypedChoiceField(label="Duration", coerce=int)
    location_type = forms.ChoiceField(label="Where")
    from_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *, offers, today: date, **kwargs):
        super().__init__(**kwargs)
        self.offers = {offer.public_id: offer for offer in offers}
        self.fields["offer"].choices = [(o.public_id, o.service.name) for o in offers]
        durations = sorted({p.duration_minutes for o in offers for p in o.prices.all()})
        self.fields["duration"].choices = [(d, f"{d} minutes") for d in durations]
        types = {t for o in offers for t in o.location_types}
        self.fields["location_type"].choices = [
            (value, label) for value, label in LocationType.choices if value in types
        ]
        self.fields["from_date"].initial = today
        self.today = today

    def clean(self):
        data = super().clean()
        offer = self.offers.get(data.get("offer"))
        if offer is None:
            return data
        data["offer"] = offer
        if data.get("duration") and offer.price_cents_for(data["duration"]) is None:
            self.add_error("duration", f"{offer.service.name} is not offered for {data['duration']} minutes.")
        if data.get("location_type") and data["location_type"] not in offer.location_types:
            self.add_error("location_type", f"{offer.service.name} is not taught there.")
        if data.get("from_date") and data["from_date"] < self.today:
            data["from_date"] = self.today
        return data


class ReviewForm(forms.Form):
    saved_address = forms.ChoiceField(label="Your address", required=False)
    address = forms.CharField(label="Address", max_length=250, required=False)
    details = forms.CharField(label="Directions or details", max_length=250, required=False)
    note = forms.CharField(
        label="Note for the instructor", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *, location_type: str, saved_addresses=(), **kwargs):
        super().__init__(**kwargs)
        self.location_type = location_type
        self.saved_addresses = {address.public_id: address for address in saved_addresses}
        if location_type != LocationType.STUDENT_PLACE or not self.saved_addresses:
            del self.fields["saved_address"]
        else:
            self.fields["saved_address"].choices = [
                *((a.public_id, f"{a.label}: {a.text}") for a in self.saved_addresses.values()),
                ("", "Another address (type it below)"),
            ]
            self.fields["saved_address"].initial = next(iter(self.saved_addresses))
            self.fields["address"].label = "Another address"
        if location_type in (LocationType.ONLINE, LocationType.STUDIO):
            del self.fields["address"]
            del self.fields["details"]
        elif location_type == LocationType.NEUTRAL:
            self.fields["address"].label = "Meeting place"
            self.fields["address"].required = True
        elif not self.saved_addresses:
            self.fields["address"].label = "Your address"
            self.fields["address"].required = True

    def clean(self):
        data = super().clean()
        if self.location_type != LocationType.STUDENT_PLACE:
            return data
        saved = self.saved_addresses.get(data.get("saved_address") or "")
        if saved is not None:
            data["address"], data["point"] = saved.text, saved.point
        elif data.get("address"):
            result = geocode(data["address"])
            if result is None:
                self.add_error("address", UNKNOWN_ADDRESS_MESSAGE)
            else:
                data["point"] = result.point
                data["address"] = result.label
        elif "address" not in self.errors:
            self.add_error("address", "Pick a saved address or type one.")
        return data


class ProblemForm(forms.Form):
    kind = forms.ChoiceField(label="What went wrong?", widget=forms.RadioSelect)
    details = forms.CharField(
        label="Details", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *, role: str, **kwargs):
        super().__init__(**kwargs)
        allowed = STUDENT_PROBLEMS if role == "student" else INSTRUCTOR_PROBLEMS
        self.fields["kind"].choices = [(v, label) for v, label in ProblemReport.Kind.choices if v in allowed]
