from django.contrib import admin

from availability.models import AvailabilitySettings, DateOverride, OpenTime, TimeOff, WeeklyAvailability


@admin.register(AvailabilitySettings)
class AvailabilitySettingsAdmin(admin.ModelAdmin):
    list_display = ["instructor", "minimum_notice_hours", "booking_horizon_days", "buffer_minutes", "version"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "instructor__public_id"]
    list_filter = ["minimum_notice_hours", "booking_horizon_days"]
    readonly_fields = ["version", "updated_at"]


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["instructor", "weekday", "quarter_hours"]
    list_filter = ["weekday"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "instructor__public_id"]


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ["instructor", "date", "quarter_hours"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "instructor__public_id"]
    list_filter = ["date"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["instructor", "first_day", "last_day", "reason"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "instructor__public_id", "reason"]
    list_filter = ["first_day"]


@admin.register(OpenTime)
class OpenTimeAdmin(admin.ModelAdmin):
    list_display = ["instructor", "span"]
    search_fields = ["instructor__user__email", "instructor__user__full_name", "instructor__public_id"]
    list_filter = ["instructor__status"]
    readonly_fields = ["instructor", "span"]
