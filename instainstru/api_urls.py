"""The /api/v1/ routes. Each app contributes a router module `<app>/api.py` with `urlpatterns`."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request, format=None):  # noqa: A002 - DRF's signature
    return Response(
        {
            "me": reverse("api-me", request=request, format=format),
            "schema": reverse("api-schema", request=request, format=format),
            "docs": reverse("api-docs", request=request, format=format),
        }
    )


urlpatterns = [
    path("", api_root, name="api-root"),
    path("", include("accounts.api")),
    path("", include("search.api")),
    path("", include("reviews.api")),
    path("", include("bookings.api")),
]
