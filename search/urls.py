from django.urls import path

from search import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/opened/", views.result_opened, name="search_result_opened"),
]
