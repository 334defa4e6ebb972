from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from catalog import services, verification
from catalog.models import (
    Category,
    InstructorNeighborhood,
    InstructorProfile,
    InstructorService,
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


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
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


@admin.register(InstructorProfile)
class InstructorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "is_founding", "teaches_kids", "booking_mode", "went_live_at"]
    list_filter = ["status", "is_founding", "teaches_kids", "booking_mode"]
    search_fields = ["user__email", "user__full_name", "public_id"]
    raw_id_fields = ["user"]
    # Status changes go through the services (suspend below); is_founding is editable by staff only,
    # which is everyone who reaches this admin.
    readonly_fields = ["public_id", "status", "suspended_reason", "went_live_at", "coverage", "base_point",
                       "public_point", "photo_original", "created_at", "updated_at"]  # fmt: skip
    exclude = ["neighborhoods"]
    actions = ["suspend_selected", "reinstate_selected"]

    @admin.action(description="Suspend selected instructors…")
    def suspend_selected(self, request, queryset):
        """Asks for the reason first (the instructor sees it), then suspends through the service."""
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for profile in queryset:
                services.instructor_suspend(instructor=profile, reason=form.cleaned_data["reason"], now=timezone.now())
            messages.success(request, f"{queryset.count()} suspended.")
            return None
        return TemplateResponse(
            request,
            "admin/catalog/suspend_confirm.html",
            {**self.admin_site.each_context(request), "form": form, "queryset": queryset},
        )

    @admin.action(description="Reinstate selected (suspended → paused)")
    def reinstate_selected(self, request, queryset):
        for profile in queryset:
            services.instructor_reinstate(instructor=profile, now=timezone.now())


class VerificationDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        choices=[("", "— keep waiting —"), ("approve", "Approve"), ("reject", "Reject")], required=False
    )

    class Meta:
        model = VerificationRequest
        fields = ["decision", "reason"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            raise ValidationError({"reason": "Give the instructor a reason for the rejection."})
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
        decision = form.cleaned_data.get("decision")
        if decision:
            verification.verification_decide(
                verification=obj, approve=decision == "approve", reason=form.cleaned_data.get("reason", ""),
                decided_by=request.user, now=timezone.now(),
            )  # fmt: skip


@admin.register(InstructorNeighborhood)
class InstructorNeighborhoodAdmin(ReadOnlyModelAdmin):
    # Read-only: an instructor's coverage geography is computed from these links by the catalog.
    list_display = ["instructor", "neighborhood"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "neighborhood__name"]
    list_filter = ["neighborhood__region"]
