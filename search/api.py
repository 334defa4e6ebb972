"""GET /api/v1/search/ — the same search and parameters as the page, as JSON."""

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from search.engine import search_run
from search.forms import SearchForm
from search.views import searcher_zone


class ChipSerializer(serializers.Serializer):
    param = serializers.CharField()
    label = serializers.CharField()


class InstructorCardSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    name = serializers.CharField(source="user.full_name")
    headline = serializers.CharField()
    photo_url = serializers.SerializerMethodField()
    service = serializers.CharField(source="matched_service_name")
    service_slug = serializers.CharField(source="matched_service_slug")
    price_from_cents = serializers.IntegerField(help_text="Cheapest hourly rate, before fees")
    location_types = serializers.ListField(child=serializers.CharField(), source="matched_location_types")
    rating_count = serializers.IntegerField()
    rating_average = serializers.FloatField(source="average_rating", allow_null=True)
    next_available_at = serializers.DateTimeField(allow_null=True, help_text="UTC")
    distance_m = serializers.SerializerMethodField()
    profile_url = serializers.SerializerMethodField()

    def get_photo_url(self, card) -> str | None:
        return card.photo_thumb.url if card.photo_thumb else None

    def get_distance_m(self, card) -> float | None:
        return round(card.distance_m.m) if card.distance_m is not None else None

    def get_profile_url(self, card) -> str:
        return f"/instructors/{card.public_id}/"


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    understood = serializers.DictField(
        help_text="The parameters the query was read as (q is the leftover text; near=me and an unknown where say "
        "what could not be applied, see messages)"
    )
    chips = ChipSerializer(many=True)
    messages = serializers.ListField(child=serializers.CharField())
    results = InstructorCardSerializer(many=True)


PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Natural language, e.g. “piano for my 8 year old under $90”"),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category slug"),
    OpenApiParameter("service", OpenApiTypes.STR, description="Service slug"),
    OpenApiParameter("age", OpenApiTypes.STR, enum=["kids", "teens", "adults"]),
    OpenApiParameter("level", OpenApiTypes.STR, enum=["beginner", "intermediate", "advanced"]),
    OpenApiParameter("price_min", OpenApiTypes.NUMBER, description="Dollars per hour, before fees (cents allowed)"),
    OpenApiParameter("price_max", OpenApiTypes.NUMBER, description="Dollars per hour, before fees (cents allowed)"),
    OpenApiParameter("type", OpenApiTypes.STR, many=True, enum=["student_place", "studio", "online", "neutral"]),
    OpenApiParameter("area", OpenApiTypes.STR, description="Neighborhood slug or borough name"),
    OpenApiParameter("where", OpenApiTypes.STR, description="ZIP code or street address"),
    OpenApiParameter("lat", OpenApiTypes.FLOAT),
    OpenApiParameter("lng", OpenApiTypes.FLOAT),
    OpenApiParameter(
        "near", OpenApiTypes.STR, enum=["me"], description="“near me” asked for; send lat and lng to apply it"
    ),
    OpenApiParameter("radius_km", OpenApiTypes.FLOAT),
    OpenApiParameter("when", OpenApiTypes.STR, description="e.g. “saturday morning”, in the user's timezone"),
    OpenApiParameter("min_rating", OpenApiTypes.FLOAT),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=["relevance", "price", "-price", "rating", "distance", "soonest"]),
    OpenApiParameter("page", OpenApiTypes.INT),
]


@extend_schema(parameters=PARAMETERS, responses={200: SearchResponseSerializer}, summary="Search live instructors")
@api_view(["GET"])
@permission_classes([AllowAny])
def search_api(request):
    form = SearchForm(request.query_params)
    if not form.is_valid():
        return Response({"errors": form.errors}, status=400)
    outcome = search_run(cleaned=form.cleaned_data, zone=searcher_zone(request), now=timezone.now())
    page = outcome.results.page
    body = {
        "count": outcome.results.count,
        "page": page.number,
        "num_pages": page.paginator.num_pages,
        "understood": outcome.params,
        "chips": [{"param": chip.param, "label": chip.label} for chip in outcome.chips],
        "messages": outcome.messages,
        "results": InstructorCardSerializer(page.object_list, many=True).data,
    }
    return Response(body)


urlpatterns = [path("search/", search_api, name="api-search")]
