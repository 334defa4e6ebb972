from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import SavedAddress, User
from instainstru.core.admin import ReadOnlyModelAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "full_name", "timezone", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups", "timezone"]
    search_fields = ["email", "full_name", "public_id"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password"]}),
        ("Profile", {"fields": ["full_name", "timezone", "phone_number"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]


@admin.register(SavedAddress)
class SavedAddressAdmin(ReadOnlyModelAdmin):
    # Read-only: people add and remove their addresses on the settings page, where they are geocoded.
    list_display = ["label", "text", "user", "neighborhood", "created_at"]
    search_fields = ["label", "text", "user__email", "public_id"]
    list_filter = ["neighborhood__region", "created_at"]
