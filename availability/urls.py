from django.urls import path

from availability import views

urlpatterns = [
    path("teach/availability/", views.week_editor, name="availability_week"),
    path("teach/availability/settings/", views.availability_settings, name="availability_settings"),
    path("teach/availability/time-off/", views.time_off, name="time_off"),
    path("teach/availability/time-off/<int:time_off_id>/delete/", views.time_off_delete, name="time_off_delete"),
]
