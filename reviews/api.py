"""/api/v1/reviews/: the same services as the pages, the same refusals (as {"detail": message})."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from bookings.models import Booking
from reviews import selectors, services
from reviews.errors import RefusedError
from reviews.models import Review


class ReviewSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    lesson = serializers.CharField(source="booking.public_id", read_only=True)
    instructor = serializers.CharField(source="instructor.public_id", read_only=True)
    service = serializers.CharField(source="offer.service.name", read_only=True)
    author_first_name = serializers.CharField(source="author.first_name", read_only=True)
    response = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "lesson",
            "instructor",
            "service",
            "stars",
            "text",
            "author_first_name",
            "created_at",
            "response",
        ]

    def get_response(self, review) -> dict | None:
        response = getattr(review, "response", None)
        return {"text": response.text, "created_at": response.created_at} if response else None


def _refused(refusal: RefusedError) -> Response:
    body = {"detail": refusal.message}
    if refusal.field:
        body["field"] = refusal.field
    return Response(body, status=refusal.status)


CreateRequest = inline_serializer(
    "ReviewCreate",
    {"lesson": serializers.CharField(), "stars": serializers.IntegerField(), "text": serializers.CharField()},
)


@extend_schema(
    parameters=[
        OpenApiParameter("instructor", str, required=True, description="Instructor public id (required to list)"),
        OpenApiParameter("min_stars", int),
        OpenApiParameter("with_text", bool),
    ],
    request=CreateRequest,
    responses=ReviewSerializer,
)
@api_view(["GET", "POST"])
@permission_classes([permissions.IsAuthenticatedOrReadOnly])
def review_collection(request):
    """GET: an instructor's visible reviews, newest first, paginated. POST: review your completed lesson."""
    if request.method == "GET":
        public_id = request.query_params.get("instructor", "").strip()
        if not public_id:
            return Response(
                {"detail": "Say whose reviews to list: ?instructor=<instructor id>.", "field": "instructor"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        # The same instructors as the reviews page: those with a public profile.
        instructor = selectors.instructor_with_public_reviews(public_id)
        if instructor is None:
            return Response({"detail": "No such instructor.", "field": "instructor"}, status=status.HTTP_404_NOT_FOUND)
        min_stars = request.query_params.get("min_stars")
        reviews = selectors.profile_reviews(
            instructor,
            min_stars=int(min_stars) if min_stars and min_stars.isdigit() and 1 <= int(min_stars) <= 5 else None,
            with_text=request.query_params.get("with_text") in ("1", "true"),
        ).select_related("booking", "instructor")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(reviews, request)
        return paginator.get_paginated_response(ReviewSerializer(page, many=True).data)
    booking = Booking.objects.filter(public_id=str(request.data.get("lesson", ""))).first()
    if booking is None:
        return Response({"detail": "No such lesson.", "field": "lesson"}, status=status.HTTP_404_NOT_FOUND)
    try:
        review = services.review_create(
            booking=booking,
            user=request.user,
            stars=request.data.get("stars"),
            text=request.data.get("text", ""),
            now=timezone.now(),
        )
    except RefusedError as refusal:
        return _refused(refusal)
    return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema(
    request=inline_serializer("ReviewRespond", {"text": serializers.CharField()}), responses=ReviewSerializer
)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated])
def review_response(request, public_id):
    """The reviewed instructor responds, once."""
    review = get_object_or_404(Review, public_id=public_id)
    try:
        services.review_respond(review=review, user=request.user, text=request.data.get("text", ""), now=timezone.now())
    except RefusedError as refusal:
        return _refused(refusal)
    review = Review.objects.select_related("booking", "instructor", "offer__service", "author", "response").get(
        pk=review.pk
    )
    return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema(
    request=inline_serializer("ReviewReport", {"reason": serializers.CharField()}),
    responses=inline_serializer("ReviewReported", {"detail": serializers.CharField()}),
)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated])
def review_report(request, public_id):
    """Ask staff to look at a review."""
    review = get_object_or_404(Review, public_id=public_id, is_hidden=False)
    try:
        services.review_report(
            review=review, user=request.user, reason=request.data.get("reason", ""), now=timezone.now()
        )
    except RefusedError as refusal:
        return _refused(refusal)
    return Response({"detail": "Reported. Our team will look at this review."}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("reviews/", review_collection, name="api-reviews"),
    path("reviews/<str:public_id>/response/", review_response, name="api-review-response"),
    path("reviews/<str:public_id>/report/", review_report, name="api-review-report"),
]
