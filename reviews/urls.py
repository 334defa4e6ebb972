from django.urls import path

from reviews import views

urlpatterns = [
    path("favorites/", views.favorite_list, name="favorite_list"),
    path("favorites/<str:public_id>/", views.favorite_set, name="favorite_set"),
    path("lessons/<str:public_id>/review/", views.review_create, name="review_create"),
    path("reviews/<str:public_id>/respond/", views.review_respond, name="review_respond"),
    path("reviews/<str:public_id>/report/", views.review_report, name="review_report"),
    path("instructors/<str:public_id>/reviews/", views.instructor_reviews, name="instructor_reviews"),
]
