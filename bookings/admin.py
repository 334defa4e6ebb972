"""Staff tools: bookings are read-only here except through actions that call the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingEvent, BookingStatus, ProblemReport


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "from_status", "to_status", "actor", "actor_role", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["public_id", "service_name", "student", "instructor", "lesson_starts_at", "status"]
    list_filter = ["status", "location_type", "cancelled_by", "cancellation_window"]
    search_fields = ["public_id", "student__email", "instructor__user__email", "service_name"]
    date_hierarchy = "lesson_starts_at"
    list_select_related = ["student", "instructor__user"]
    inlines = [BookingEventInline]
    actions = ["cancel_by_platform"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Booking._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel by the platform (free for the student)", permissions=["change"])
    def cancel_by_platform(self, request, queryset):
        done = 0
        for booking in queryset:
            if booking.status == BookingStatus.CANCELLED:
                self.message_user(request, f"{booking.public_id} was already cancelled.", messages.WARNING)
                continue
            try:
                services.booking_cancel(
                    booking=booking,
                    user=request.user,
                    now=timezone.now(),
                    reason="Cancelled by InstaInstru",
                    as_platform=True,
                )
            except ValidationError as error:
                self.message_user(request, f"{booking.public_id}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Cancelled {done} booking(s) by the platform; the students pay nothing.")


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ["booking", "kind", "reporter_role", "created_at", "resolution", "resolved_at"]
    list_filter = ["kind", "resolution"]
    search_fields = ["public_id", "booking__public_id", "reported_by__email", "details"]
    readonly_fields = [
        "public_id",
        "booking",
        "reported_by",
        "reporter_role",
        "kind",
        "details",
        "created_at",
        "resolution",
        "resolved_by",
        "resolved_at",
    ]
    fields = [*readonly_fields, "minutes_delivered", "resolution_note"]
    actions = ["resolve_completed", "resolve_partly_completed", "resolve_cancelled"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.resolved_at is not None:
            return [*self.readonly_fields, "minutes_delivered", "resolution_note"]
        return self.readonly_fields

    def _resolve(self, request, queryset, resolution):
        done = 0
        for report in queryset:
            if report.resolved_at is not None:
                self.message_user(request, f"{report.booking} was already resolved.", messages.WARNING)
                continue
            try:
                services.problem_resolve(
                    report=report,
                    staff_user=request.user,
                    resolution=resolution,
                    minutes_delivered=report.minutes_delivered,
                    note=report.resolution_note,
                    now=timezone.now(),
                )
            except ValidationError as error:
                self.message_user(request, f"{report.booking}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            label = ProblemReport.Resolution(resolution).label.lower()
            self.message_user(request, f"Resolved {done} problem(s) as {label}; both sides were told.")

    @admin.action(description="Resolve: lesson completed", permissions=["change"])
    def resolve_completed(self, request, queryset):
        self._resolve(request, queryset, ProblemReport.Resolution.COMPLETED)

    @admin.action(description="Resolve: partly completed (set minutes delivered first)", permissions=["change"])
    def resolve_partly_completed(self, request, queryset):
        self._resolve(request, queryset, ProblemReport.Resolution.PARTLY_COMPLETED)

    @admin.action(description="Resolve: cancelled without charge", permissions=["change"])
    def resolve_cancelled(self, request, queryset):
        self._resolve(request, queryset, ProblemReport.Resolution.CANCELLED_NO_CHARGE)
