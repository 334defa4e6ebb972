from django.urls import path

from accounts import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.account_settings, name="account_settings"),
    path("settings/addresses/", views.saved_address_create, name="saved_address_create"),
    path("settings/addresses/<str:public_id>/remove/", views.saved_address_delete, name="saved_address_delete"),
]
