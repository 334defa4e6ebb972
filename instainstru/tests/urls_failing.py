"""The project's URLs plus one page that fails, for testing what a person sees on a server error."""

from django.urls import path

from instainstru.urls import handler403, handler404, handler500
from instainstru.urls import urlpatterns as project_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def failing_page(request):
    raise RuntimeError("a deliberate failure for the 500 page test")


urlpatterns = [path("failing-page/", failing_page), *project_urlpatterns]
