from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.staff import staff_has_totp, staff_may_use_admin


class InstaInstruAdminSite(admin.AdminSite):
    site_header = "InstaInstru operations"
    site_title = "InstaInstru ops"
    index_title = "Operations"

    def has_permission(self, request):
        return staff_may_use_admin(request)

    def login(self, request, extra_context=None):
        """Admin log-in goes through allauth (which asks for the TOTP code)."""
        user = request.user
        next_url = request.GET.get("next") or reverse("admin:index")
        if user.is_authenticated and user.is_staff:
            if not staff_has_totp(user):
                messages.warning(request, "Staff need two-factor authentication to use the admin. Set it up here.")
                return redirect("mfa_activate_totp")
            # The session was not completed with the second factor (a log-in before TOTP was set
            # up, a password reset): ask for a code. allauth's password re-authentication records
            # only "password", which would send staff straight back here.
            messages.warning(request, "Enter a code from your authenticator app to use the admin.")
            return redirect(reverse("mfa_reauthenticate") + "?" + urlencode({"next": next_url}))
        if user.is_authenticated:
            messages.error(request, "That page is for InstaInstru staff only.")
            return redirect("dashboard")
        return redirect(reverse("account_login") + "?" + urlencode({"next": next_url}))
