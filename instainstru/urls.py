from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from instainstru.core import views as core_views

handler403 = "instainstru.core.views.permission_denied"
handler404 = "instainstru.core.views.page_not_found"
handler500 = "instainstru.core.views.server_error"

api_v1 = [
    path("", include("instainstru.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("availability.urls")),
    path("", include("bookings.urls")),
    path("", include("payments.urls")),
    path("", include("reviews.urls")),
    path("", include("notifications.urls")),
    path("", include("search.urls")),
]

if not settings.AWS_STORAGE_BUCKET_NAME:
    # Public media (re-encoded photos) from local storage; originals live outside MEDIA_URL.
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
