"""Admin pieces shared by every app."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A model staff look at but never edit by hand: its rows are written by the owning app's
    services (derived data, links another row's geography depends on, records of what happened)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
