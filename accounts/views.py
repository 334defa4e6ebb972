from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import AccountSettingsForm, SavedAddressForm
from accounts.services import saved_address_add, saved_address_remove, user_update_settings


@login_required
def dashboard(request):
    return render(request, "accounts/dashboard.html")


def _settings_page(request, *, form=None, address_form=None, status=200):
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form or AccountSettingsForm.for_user(request.user),
            "address_form": address_form or SavedAddressForm(),
            "saved_addresses": request.user.saved_addresses.all(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    form = AccountSettingsForm.for_user(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_update_settings(user=request.user, **form.cleaned_data)
        messages.success(request, "Your settings were saved.")
        return redirect("account_settings")
    return _settings_page(request, form=form)


@login_required
@require_POST
def saved_address_create(request):
    address_form = SavedAddressForm(data=request.POST)
    if address_form.is_valid():
        try:
            address = saved_address_add(user=request.user, **address_form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    address_form.add_error(field, errors)
            else:
                address_form.add_error(None, error)
        else:
            messages.success(request, f"Saved “{address.label}”: {address.text}.")
            return redirect("account_settings")
    return _settings_page(request, address_form=address_form, status=400)


@login_required
@require_POST
def saved_address_delete(request, public_id):
    if saved_address_remove(user=request.user, public_id=public_id):
        messages.success(request, "The address was removed.")
    else:
        messages.error(request, "That address is not one of yours.")
    return redirect("account_settings")
