from decimal import ROUND_HALF_UP, Decimal

from django import forms

from catalog.models import (
    BIO_MAX_LENGTH,
    BIO_MIN_LENGTH,
    LESSON_DURATIONS,
    AgeGroup,
    InstructorProfile,
    Level,
    LocationType,
    Neighborhood,
    Service,
)


class ProfileForm(forms.Form):
    headline = forms.CharField(label="Headline", max_length=120, help_text="One line students see first.")
    bio = forms.CharField(
        label="About you",
        min_length=BIO_MIN_LENGTH,
        max_length=BIO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"{BIO_MIN_LENGTH}–{BIO_MAX_LENGTH} characters: how you teach and who you love teaching.",
    )
    years_experience = forms.IntegerField(label="Years of teaching experience", min_value=0, max_value=70)
    languages = forms.CharField(
        label="Languages you teach in", max_length=200, help_text="Separated by commas, e.g. English, Spanish."
    )
    booking_mode = forms.ChoiceField(
        label="How students book", choices=InstructorProfile.BookingMode.choices, widget=forms.RadioSelect
    )

    def clean_languages(self):
        languages = [part.strip() for part in self.cleaned_data["languages"].split(",") if part.strip()]
        if not languages:
            raise forms.ValidationError("Name at least one language.")
        return languages

    @classmethod
    def for_profile(cls, profile, data=None):
        initial = {
            "headline": profile.headline,
            "bio": profile.bio,
            "years_experience": profile.years_experience,
            "languages": ", ".join(profile.languages),
            "booking_mode": profile.booking_mode,
        }
        return cls(data=data, initial=initial)


class PhotoForm(forms.Form):
    photo = forms.FileField(label="Profile photo", help_text="JPG, PNG or WebP, up to 5 MB.")


class OfferForm(forms.Form):
    service = forms.ModelChoiceField(label="Service", queryset=Service.objects.select_related("category"))
    age_groups = forms.MultipleChoiceField(
        label="Who you teach", choices=AgeGroup.choices, widget=forms.CheckboxSelectMultiple
    )
    levels = forms.MultipleChoiceField(label="Levels", choices=Level.choices, widget=forms.CheckboxSelectMultiple)
    location_types = forms.MultipleChoiceField(
        label="Where lessons happen", choices=LocationType.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label="About these lessons (optional)", required=False, max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What a lesson looks like with you. Empty: students see the service's own description.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for minutes in LESSON_DURATIONS:
            self.fields[f"price_{minutes}"] = forms.DecimalField(
                label=f"Price for {minutes} minutes ($)",
                required=False,
                min_value=Decimal("1"),
                max_value=Decimal("2000"),
                decimal_places=2,
                help_text="Leave empty if you don't offer this length." if minutes == 30 else "",
            )
        self.fields["description"] = self.fields.pop("description")  # after the prices

    def clean(self):
        cleaned = super().clean()
        prices = {}
        for minutes in LESSON_DURATIONS:
            dollars = cleaned.get(f"price_{minutes}")
            if dollars is not None:
                prices[minutes] = int((dollars * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        if not prices and not self.errors:
            raise forms.ValidationError("Set a price for at least one lesson length.")
        cleaned["prices"] = prices
        return cleaned


class AreaForm(forms.Form):
    neighborhoods = forms.ModelMultipleChoiceField(
        label="Neighborhoods you travel to",
        queryset=Neighborhood.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    base_address = forms.CharField(
        label="Address you travel from (private)",
        max_length=200,
        required=False,
        help_text="Street address, intersection or ZIP. Only used to work out your travel distance.",
    )
    travel_radius_km = forms.DecimalField(
        label="How far you travel from there (km)",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("40"),
        decimal_places=1,
    )
    studio_address = forms.CharField(
        label="Studio address (private until booked)",
        max_length=200,
        required=False,
        help_text="Only if students come to you. Public pages show the neighborhood, never the address.",
    )
