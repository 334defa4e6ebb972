from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<str:public_id>/read/", views.notification_read, name="notification_read"),
]
