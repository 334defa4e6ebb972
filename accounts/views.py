from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import AccountSettingsForm
from accounts.services import user_update_settings


@login_required
def dashboard(request):
    return render(request, "accounts/dashboard.html")


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    form = AccountSettingsForm.for_user(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_update_settings(user=request.user, **form.cleaned_data)
        messages.success(request, "Your settings were saved.")
        return redirect("account_settings")
    return render(request, "accounts/settings.html", {"form": form})
