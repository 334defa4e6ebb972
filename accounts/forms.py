import zoneinfo

from django import forms

from accounts.models import User, validate_timezone
from accounts.services import user_grant_role

COMMON_TIMEZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
]


def timezone_choices():
    others = sorted(zoneinfo.available_timezones() - set(COMMON_TIMEZONES))
    return [(tz, tz.replace("_", " ")) for tz in COMMON_TIMEZONES + others if "/" in tz]


class SignupDetailsForm(forms.Form):
    """Extra sign-up fields; allauth calls `signup()` once the user row exists."""

    full_name = forms.CharField(label="Full name", max_length=120)
    role = forms.ChoiceField(
        label="I want to",
        choices=[("student", "Learn (student or parent)"), ("instructor", "Teach (instructor)")],
        initial="student",
        widget=forms.RadioSelect,
    )
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices, initial="America/New_York")

    field_order = ["full_name", "email", "password1", "password2", "role", "timezone"]

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if len(name) < 2:
            raise forms.ValidationError("Please enter your name.")
        return name

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["full_name", "timezone"])
        # Everyone can book lessons; instructors also teach.
        user_grant_role(user=user, role="student")
        if self.cleaned_data["role"] == "instructor":
            user_grant_role(user=user, role="instructor")


class AccountSettingsForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=120)
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    phone_number = forms.RegexField(
        label="Mobile phone (optional)",
        regex=r"^\+?[0-9 ()-]{7,20}$",
        required=False,
        error_messages={"invalid": "Enter a phone number like +1 212 555 0100."},
    )

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        validate_timezone(value)
        return value

    @classmethod
    def for_user(cls, user: User, data=None):
        return cls(
            data=data,
            initial={"full_name": user.full_name, "timezone": user.timezone, "phone_number": user.phone_number},
        )


class SavedAddressForm(forms.Form):
    label = forms.CharField(label="Name of the place", max_length=60, help_text="For example Home or Office.")
    text = forms.CharField(label="Address", max_length=250, help_text="Street address, intersection or ZIP code.")
