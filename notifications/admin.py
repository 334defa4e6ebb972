from django.contrib import admin

from notifications.models import Notification, OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to", "subject"]
    list_filter = ["channel", "created_at"]
    search_fields = ["to", "subject", "body"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["title", "user__email"]
    raw_id_fields = ["user"]
