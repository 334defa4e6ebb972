"""Staff moderation: hide (or show again) reviews with a reason; every decision is audited and
goes through `reviews.services`, which tells the author."""

from django.contrib import admin, messages
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone

from instainstru.core.admin import ReadOnlyModelAdmin
from reviews import services
from reviews.errors import RefusedError
from reviews.models import (
    Achievement,
    Favorite,
    Review,
    ReviewModerationEvent,
    ReviewPrompt,
    ReviewReport,
    ReviewResponse,
)


class ReviewReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    can_delete = False
    readonly_fields = ["reported_by", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class ModerationInline(admin.TabularInline):
    model = ReviewModerationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "reason", "staff", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


def _moderate(modeladmin, request, queryset, *, service, verb: str):
    """Asks for the reason on an intermediate page, then applies `service` to each review."""
    if request.POST.get("apply"):
        reason = request.POST.get("reason", "").strip()
        done = 0
        for review in queryset:
            try:
                service(review=review, staff_user=request.user, reason=reason, now=timezone.now())
                done += 1
            except RefusedError as refusal:
                modeladmin.message_user(request, refusal.message, messages.ERROR)
                return None
        modeladmin.message_user(request, f"{done} review{'s' if done != 1 else ''} {verb}.", messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/reviews/moderate.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": f"Reason for {verb} reviews",
            "reviews": queryset,
            "action": request.POST.get("action"),
            "verb": verb,
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["created_at", "instructor", "author", "stars", "short_text", "is_hidden", "report_count"]
    list_filter = ["is_hidden", "stars", "created_at"]
    search_fields = ["text", "author__email", "instructor__user__email", "public_id"]
    readonly_fields = [f.name for f in Review._meta.fields]
    inlines = [ReviewReportInline, ModerationInline]
    actions = ["hide_reviews", "show_reviews"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "instructor__user")
            .annotate(report_total=Count("reports"))
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Text")
    def short_text(self, review):
        return review.text[:60]

    @admin.display(description="Reports", ordering="report_total")
    def report_count(self, review):
        return review.report_total

    @admin.action(description="Hide selected reviews (asks for a reason; the author is told)")
    def hide_reviews(self, request, queryset):
        return _moderate(self, request, queryset, service=services.review_hide, verb="hidden")

    @admin.action(description="Show selected reviews again (asks for a reason)")
    def show_reviews(self, request, queryset):
        return _moderate(self, request, queryset, service=services.review_show, verb="shown again")


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "review", "reported_by", "reason"]
    search_fields = ["reason", "reported_by__email", "review__public_id"]
    list_filter = ["created_at"]
    readonly_fields = ["review", "reported_by", "reason", "created_at"]
    raw_id_fields = ["review", "reported_by"]


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "instructor"]
    search_fields = ["user__email", "instructor__user__email", "instructor__user__full_name"]
    list_filter = ["created_at"]
    raw_id_fields = ["user", "instructor"]


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["earned_at", "user", "role", "kind"]
    list_filter = ["role", "kind"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user"]


@admin.register(ReviewResponse)
class ReviewResponseAdmin(ReadOnlyModelAdmin):
    # Read-only: instructors write responses through reviews.services.
    list_display = ["created_at", "review", "author"]
    search_fields = ["text", "author__email", "review__public_id"]
    list_filter = ["created_at"]


@admin.register(ReviewPrompt)
class ReviewPromptAdmin(ReadOnlyModelAdmin):
    # Read-only: written once per lesson by reviews.services.review_prompt_send.
    list_display = ["sent_at", "booking"]
    search_fields = ["booking__public_id", "booking__student__email"]
    list_filter = ["sent_at"]
