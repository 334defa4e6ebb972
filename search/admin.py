from django.contrib import admin, messages
from django.utils import timezone

from instainstru.core.admin import ReadOnlyModelAdmin
from search.models import InstructorSearchSummary, SearchTermAlias, SearchTermObservation
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


@admin.register(SearchTermObservation)
class SearchTermObservationAdmin(ReadOnlyModelAdmin):
    # Read-only: recorded by search as people search and book.
    list_display = ["created_at", "alias", "user"]
    search_fields = ["alias__term", "user__email"]
    list_filter = ["created_at"]


@admin.register(InstructorSearchSummary)
class InstructorSearchSummaryAdmin(ReadOnlyModelAdmin):
    # Read-only: kept by search.services.search_summary_refresh.
    list_display = ["instructor", "rating_count", "bayesian_rating", "completed_lessons", "next_open_starts_at"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "instructor__public_id"]
    list_filter = ["refreshed_at"]
