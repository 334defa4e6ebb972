from django.contrib import admin

from availability.models import AvailabilitySettings, DateOverride, OpenTime, TimeOff, WeeklyAvailability


@admin.register(AvailabilitySettings)
class AvailabilitySettingsAdmin(admin.ModelAdmin):
    list_display = ["instructor", "minimum_notice_hours", "booking_horizon_days", "buffer_minutes", "version"]
    readonly_fields = ["version", "updated_at"]


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["instructor", "weekday", "quarter_hours"]
    list_filter = ["weekday"]


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ["instructor", "date", "quarter_hours"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["instructor", "first_day", "last_day", "reason"]


@admin.register(OpenTime)
class OpenTimeAdmin(admin.ModelAdmin):
    list_display = ["instructor", "span"]
    readonly_fields = ["instructor", "span"]
