from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError

from availability.masks import mask_from_text, text_from_mask
from availability.models import AvailabilitySettings, mask_to_int


class WeekForm(forms.Form):
    """Seven day fields of typed ranges; `version` and `loaded_*` are what the editor loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    every_week = forms.TypedChoiceField(
        label="Apply to",
        choices=[("0", "This week only"), ("1", "Every week from now on")],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )

    def __init__(self, *, week_start: date, **kwargs):
        super().__init__(**kwargs)
        self.week_start = week_start
        self.days = [week_start + timedelta(days=i) for i in range(7)]
        for i, day in enumerate(self.days):
            self.fields[f"day_{i}"] = forms.CharField(
                label=day.strftime("%A %-d %B"),
                required=False,
                max_length=200,
                help_text="" if i else "Like 09:00–12:00, 13:00–17:00. Leave empty for no lessons.",
            )
            self.fields[f"loaded_{i}"] = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_week(cls, *, week_start: date, masks: dict, version: int, every_week=False):
        initial = {"version": version, "every_week": "1" if every_week else "0"}
        for i, day in enumerate(sorted(masks)):
            initial[f"day_{i}"] = text_from_mask(mask_to_int(masks[day]))
            initial[f"loaded_{i}"] = masks[day]
        return cls(week_start=week_start, initial=initial)

    def clean(self):
        data = super().clean()
        masks, loaded = {}, {}
        for i, day in enumerate(self.days):
            try:
                masks[day] = mask_from_text(data.get(f"day_{i}", ""))
            except ValidationError as error:
                self.add_error(f"day_{i}", error)
            try:
                loaded[day] = int(data.get(f"loaded_{i}") or "0", 16)
            except ValueError:
                loaded[day] = 0
        data["masks"], data["loaded_masks"] = masks, loaded
        return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AvailabilitySettings
        fields = ["minimum_notice_hours", "booking_horizon_days", "buffer_minutes", "travel_buffer_minutes"]
        labels = {
            "minimum_notice_hours": "Minimum notice (hours)",
            "booking_horizon_days": "Booking horizon (days)",
            "buffer_minutes": "Buffer between lessons (minutes)",
            "travel_buffer_minutes": "Travel buffer (minutes)",
        }


class TimeOffForm(forms.Form):
    first_day = forms.DateField(label="First day off", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Last day off", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason (optional)", max_length=120, required=False)
