from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from catalog import services, verification
from catalog.icons import ICON_NAMES
from catalog.models import (
    Category,
    InstructorNeighborhood,
    InstructorProfile,
    InstructorService,
    InstructorStatusEvent,
    Neighborhood,
    PriceFloor,
    Service,
    ServicePrice,
    VerificationRequest,
)
from instainstru.core.admin import ReadOnlyModelAdmin


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to the instructor)", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class PriceFloorInline(admin.TabularInline):
    model = PriceFloor
    extra = 0


class CategoryForm(forms.ModelForm):
    icon_name = forms.ChoiceField(
        label="Icon", required=False, choices=[("", "— generic —"), *ICON_NAMES.items()],
        help_text="From the site's icon set (static/icons/categories.svg).",
    )  # fmt: skip

    class Meta:
        model = Category
        fields = ["name", "slug", "subtitle", "icon_name", "display_order", "is_kids"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ["name", "slug", "display_order", "is_kids"]
    list_editable = ["display_order"]
    list_filter = ["is_kids"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PriceFloorInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "slug", "display_order"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PriceFloor)
class PriceFloorAdmin(admin.ModelAdmin):
    list_display = ["category", "location_type", "hourly_floor_cents"]
    list_filter = ["category", "location_type"]
    search_fields = ["category__name"]


@admin.register(Neighborhood)
class NeighborhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "slug"]
    list_filter = ["region"]
    search_fields = ["name", "slug"]


class ServicePriceInline(admin.TabularInline):
    model = ServicePrice
    extra = 0


@admin.register(InstructorService)
class InstructorServiceAdmin(admin.ModelAdmin):
    list_display = ["instructor", "service", "hourly_rate_cents", "is_active"]
    list_filter = ["is_active", "service__category"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "service__name"]
    raw_id_fields = ["instructor"]
    inlines = [ServicePriceInline]

    # The instructor's "teaches kids" flag follows their offers' age groups (kids discovery reads it).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.instructor_refresh_teaches_kids(instructor=obj.instructor)

    def delete_model(self, request, obj):
        instructor = obj.instructor
        super().delete_model(request, obj)
        services.instructor_refresh_teaches_kids(instructor=instructor)

    def delete_queryset(self, request, queryset):
        instructors = list(InstructorProfile.objects.filter(services__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for instructor in instructors:
            services.instructor_refresh_teaches_kids(instructor=instructor)


class InstructorStatusEventInline(admin.TabularInline):
    model = InstructorStatusEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "from_status", "to_status", "reason", "actor"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InstructorStatusEvent)
class InstructorStatusEventAdmin(admin.ModelAdmin):
    """The history of going live, pauses, suspensions and reinstatements (read-only)."""

    list_display = ["created_at", "instructor", "from_status", "to_status", "reason", "actor"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "reason"]
    list_select_related = ["instructor__user", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InstructorProfile)
class InstructorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "is_founding", "teaches_kids", "booking_mode", "went_live_at"]
    list_filter = ["status", "is_founding", "teaches_kids", "booking_mode"]
    search_fields = ["user__email", "user__full_name", "public_id"]
    raw_id_fields = ["user"]
    # Status changes go through the services (suspend below); is_founding is editable by staff only,
    # which is everyone who reaches this admin.
    # Where they teach changes only through instructor_set_service_area (geocoding, jitter, coverage);
    # the kids flag follows the offers.
    readonly_fields = ["public_id", "status", "suspended_reason", "went_live_at", "teaches_kids", "coverage",
                       "base_address", "base_point", "travel_radius_m", "studio_address", "studio_point",
                       "studio_neighborhood", "public_point", "photo_original", "created_at", "updated_at"]  # fmt: skip
    exclude = ["neighborhoods"]
    inlines = [InstructorStatusEventInline]
    actions = ["suspend_selected", "reinstate_selected"]

    @admin.action(description="Suspend selected instructors…")
    def suspend_selected(self, request, queryset):
        """Asks for the reason first (the instructor sees it), then suspends through the service."""
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for profile in queryset:
                services.instructor_suspend(
                    instructor=profile, reason=form.cleaned_data["reason"], now=timezone.now(), actor=request.user
                )
            messages.success(request, f"{queryset.count()} suspended.")
            return None
        return TemplateResponse(
            request,
            "admin/catalog/suspend_confirm.html",
            {**self.admin_site.each_context(request), "form": form, "queryset": queryset},
        )

    @admin.action(description="Reinstate selected (suspended → paused)")
    def reinstate_selected(self, request, queryset):
        """Suspended instructors become paused (they resume themselves once every go-live check
        passes); the others are left as they are."""
        suspended = [profile for profile in queryset if profile.status == InstructorProfile.Status.SUSPENDED]
        for profile in suspended:
            services.instructor_reinstate(instructor=profile, now=timezone.now(), actor=request.user)
        skipped = queryset.count() - len(suspended)
        note = f" {skipped} not suspended, left unchanged." if skipped else ""
        messages.success(request, f"{len(suspended)} reinstated (paused until they resume).{note}")


class VerificationDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        choices=[("", "— keep waiting —"), ("approve", "Approve"), ("reject", "Reject")], required=False,
        help_text="A rejection needs a reason; the instructor sees it and can try again.",
    )  # fmt: skip

    class Meta:
        model = VerificationRequest
        fields = ["decision", "reason"]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        reason = (cleaned.get("reason") or "").strip()
        if decision and self.instance.status != VerificationRequest.Status.PENDING:
            # Someone decided it since this page was opened (or it is an old request).
            raise ValidationError(
                f"This verification was already {self.instance.get_status_display().lower()}; nothing was changed."
            )
        if decision == "reject" and not reason:
            raise ValidationError({"reason": "Give the instructor a reason for the rejection."})
        if decision == "approve" and reason:
            raise ValidationError({"reason": "An approval sends no reason: clear it, or choose Reject."})
        if not decision and "reason" in self.changed_data:
            raise ValidationError(
                {"decision": "A reason is only saved with a decision: choose Reject to send it to the instructor."}
            )
        return cleaned


@admin.register(VerificationRequest)
class VerificationRequestAdmin(admin.ModelAdmin):
    form = VerificationDecisionForm
    list_display = ["instructor", "status", "provider", "submitted_at", "decided_at"]
    list_filter = ["status", "provider"]
    search_fields = ["instructor__user__email", "instructor__user__full_name"]
    readonly_fields = ["instructor", "status", "provider", "provider_reference", "submitted_at", "decided_at",
                       "decided_by"]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """The decision goes through verification_decide (which notifies the instructor); the form
        has nothing else to save. A decision another reviewer made a moment earlier wins."""
        decision = form.cleaned_data.get("decision")
        if not decision:
            return
        try:
            verification.verification_decide(
                verification=obj, approve=decision == "approve", reason=form.cleaned_data.get("reason", ""),
                decided_by=request.user, now=timezone.now(),
            )  # fmt: skip
        except ValidationError as error:
            request._verification_refused = error.messages

    def response_change(self, request, obj):
        refused = getattr(request, "_verification_refused", None)
        if refused:
            for message in refused:
                self.message_user(request, f"{message} Nothing was changed.", messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


@admin.register(InstructorNeighborhood)
class InstructorNeighborhoodAdmin(ReadOnlyModelAdmin):
    # Read-only: an instructor's coverage geography is computed from these links by the catalog.
    list_display = ["instructor", "neighborhood"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "neighborhood__name"]
    list_filter = ["neighborhood__region"]
