from django.urls import path

from catalog import views

urlpatterns = [
    path("categories/<slug:slug>/", views.category_detail, name="category_detail"),
    path("instructors/<str:public_id>/", views.instructor_profile, name="instructor_profile"),
    path("teach/onboarding/", views.onboarding_start, name="onboarding"),
    path("teach/onboarding/<slug:step>/", views.onboarding_step, name="onboarding_step"),
]
