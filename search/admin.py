from django.contrib import admin, messages
from django.utils import timezone

from search.models import SearchTermAlias
from search.services import search_term_alias_decide


@admin.register(SearchTermAlias)
class SearchTermAliasAdmin(admin.ModelAdmin):
    list_display = ["term", "service", "distinct_users", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["term", "service__name"]
    readonly_fields = ["term", "service", "distinct_users", "status", "created_at", "updated_at"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, status):
        changed = 0
        for alias in queryset:
            try:
                search_term_alias_decide(alias_id=alias.pk, status=status, now=timezone.now())
                changed += 1
            except ValueError as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(request, f"{changed} alias(es) now {status}.")

    @admin.action(description="Approve: use these aliases in search")
    def approve(self, request, queryset):
        self._decide(request, queryset, SearchTermAlias.Status.APPROVED)

    @admin.action(description="Reject: never use these aliases")
    def reject(self, request, queryset):
        self._decide(request, queryset, SearchTermAlias.Status.REJECTED)
