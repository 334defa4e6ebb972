from django.urls import path

from reviews import views

urlpatterns = [
    path("favorites/", views.favorite_list, name="favorite_list"),
    path("favorites/<str:public_id>/", views.favorite_set, name="favorite_set"),
]
