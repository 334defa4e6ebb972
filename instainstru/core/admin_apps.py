from django.contrib.admin.apps import AdminConfig


class InstaInstruAdminConfig(AdminConfig):
    # The admin requires staff two-factor authentication (accounts/staff.py).
    default_site = "accounts.admin_site.InstaInstruAdminSite"
