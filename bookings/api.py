"""Partner API for availability and bookings (under /api/v1/).

- GET  instructors/<public_id>/slots/  the slot engine, answered in the caller's `timezone`
- GET  bookings/                       the caller's own bookings (as student or instructor)
- POST bookings/                       hold a lesson's time and start its payment; needs an
                                       `Idempotency-Key` header, and a replay with the same key
                                       returns the same booking (and its payment step)
- POST bookings/<public_id>/confirm/   finish the payment step once the app confirmed the card
                                       with Stripe: the booking is confirmed (or sent to the
                                       instructor as a request), or refused with nothing booked
- POST bookings/<public_id>/cancel/    cancel one of the caller's bookings

Booking is two calls, as on the site: the time is held for 15 minutes while the student's app
confirms the returned `client_secret` with Stripe.js or Stripe's mobile SDK (a SetupIntent that
saves the card for a lesson 24 h or more away, a manual-capture PaymentIntent with 3-D Secure when
the bank asks for a sooner one, nothing when platform credit covers the lesson), then `confirm/`.
No lesson is confirmed without a saved or authorized card.

Adapters only: they parse, call `bookings.services`, and serialise.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from availability.slots import available_slots
from bookings import services
from bookings.models import Booking, BookingStatus, PendingReason
from bookings.selectors import booking_for_participant
from catalog.geocoding import UNKNOWN_ADDRESS_MESSAGE, geocode
from catalog.models import InstructorProfile, InstructorService, LocationType
from catalog.selectors import live_instructors
from payments.services import CheckoutDeclined, checkout_finish, checkout_prepare
from payments.services.lifecycle import CAPTURE_DELAY
from payments.stripe_client import ProviderUnavailable

MAX_SLOT_DAYS = 28
IDEMPOTENCY_PREFIX = "api:"  # keeps partner keys apart from the web form's keys

ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="In the requested timezone, with its UTC offset")
    ends_at = serializers.DateTimeField()


class SlotsResponseSerializer(serializers.Serializer):
    timezone = serializers.CharField()
    service = serializers.CharField()
    duration = serializers.IntegerField()
    location_type = serializers.CharField()
    slots = SlotSerializer(many=True)


class BookingSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    instructor_id = serializers.CharField(source="instructor.public_id", read_only=True)
    instructor_name = serializers.CharField(source="instructor.user.full_name", read_only=True)
    student_name = serializers.CharField(source="student.full_name", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "status",
            "pending_reason",
            "hold_expires_at",
            "service_name",
            "instructor_id",
            "instructor_name",
            "student_name",
            "duration_minutes",
            "lesson_starts_at",
            "lesson_ends_at",
            "location_type",
            "location_address",
            "location_details",
            "note",
            "lesson_price_cents",
            "booking_fee_cents",
            "currency",
            "cancelled_by",
            "cancelled_at",
            "cancellation_reason",
            "cancellation_window",
        ]
        read_only_fields = fields


class CheckoutSerializer(serializers.Serializer):
    intent_kind = serializers.ChoiceField(
        choices=["setup", "payment", "none"],
        help_text="`setup`: confirm the SetupIntent (the card is saved and authorized 24 h before the lesson); "
        "`payment`: confirm the PaymentIntent (authorized now, 3-D Secure if the bank asks); "
        "`none`: platform credit covers the lesson, call `confirm_url` directly",
    )
    client_secret = serializers.CharField(help_text="For Stripe.js / Stripe's mobile SDK; empty for `none`")
    publishable_key = serializers.CharField()
    card_cents = serializers.IntegerField(help_text="What the card will be charged")
    credit_applied_cents = serializers.IntegerField(help_text="Platform credit reserved for this lesson")
    authorize_at = serializers.DateTimeField(
        allow_null=True, help_text="When the saved card is authorized (`setup`); null when authorized at confirmation"
    )
    charge_at = serializers.DateTimeField(help_text="When the card is charged: 24 h after the lesson ends")
    confirm_url = serializers.CharField(help_text="POST here once Stripe confirmed the intent")


class BookingCreatedSerializer(BookingSerializer):
    checkout = CheckoutSerializer(
        read_only=True, allow_null=True, help_text="The payment step; null once it is no longer waiting for payment"
    )

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "checkout"]
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    instructor = serializers.CharField(help_text="The instructor's public id")
    service = serializers.SlugField(help_text="Service slug, e.g. piano")
    duration = serializers.IntegerField(help_text="Minutes: one of the instructor's durations")
    location_type = serializers.ChoiceField(choices=LocationType.choices)
    starts_at = serializers.DateTimeField(help_text="A start from the slots endpoint (any UTC offset)")
    address = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    details = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def _error(message: str, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": message}, status=code)


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def _offer(*, instructor: InstructorProfile, service_slug: str) -> InstructorService | None:
    return (
        InstructorService.objects.filter(instructor=instructor, service__slug=service_slug, is_active=True)
        .select_related("service", "instructor__user")
        .first()
    )


def _live_instructor(public_id: str) -> InstructorProfile:
    return get_object_or_404(live_instructors(), public_id=public_id)


class SlotsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Bookable lesson starts",
        parameters=[
            OpenApiParameter("service", OpenApiTypes.STR, required=True, description="Service slug"),
            OpenApiParameter("duration", OpenApiTypes.INT, required=True, description="Minutes (30, 45, 60, 90)"),
            OpenApiParameter("location_type", OpenApiTypes.STR, required=True, enum=LocationType.values),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (in `timezone`); default today"),
            OpenApiParameter("end", OpenApiTypes.DATE, description=f"Last day, at most {MAX_SLOT_DAYS} days"),
            OpenApiParameter(
                "timezone", OpenApiTypes.STR, description="IANA zone for days and times; default the caller's, or UTC"
            ),
        ],
        responses={200: SlotsResponseSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, public_id):
        instructor = _live_instructor(public_id)
        params = request.query_params
        zone_name = params.get("timezone") or (request.user.timezone if request.user.is_authenticated else "UTC")
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return _error(f"Unknown timezone “{zone_name}”; use an IANA name like America/New_York.")
        offer = _offer(instructor=instructor, service_slug=params.get("service", ""))
        if offer is None:
            return _error("This instructor does not teach that service.")
        try:
            duration = int(params.get("duration", ""))
        except ValueError:
            return _error("Give the duration in minutes.")
        if offer.price_cents_for(duration) is None:
            return _error(f"{offer.service.name} is not offered for {duration} minutes.")
        location_type = params.get("location_type", "")
        if location_type not in offer.location_types:
            return _error("This instructor does not teach that service there.")
        now = timezone.now()
        try:
            start = date.fromisoformat(params["start"]) if params.get("start") else now.astimezone(zone).date()
            end = date.fromisoformat(params["end"]) if params.get("end") else start + timedelta(days=6)
        except ValueError:
            return _error("Give dates as YYYY-MM-DD.")
        if end < start or (end - start).days >= MAX_SLOT_DAYS:
            return _error(f"The end must be on or after the start, and at most {MAX_SLOT_DAYS} days in all.")
        slots = available_slots(
            offer=offer,
            duration_minutes=duration,
            location_type=location_type,
            start_date=start,
            end_date=end,
            student_tz=zone,
            now=now,
        )
        body = {
            "timezone": zone.key,
            "service": offer.service.slug,
            "duration": duration,
            "location_type": location_type,
            "slots": [
                {"starts_at": s.starts_at.astimezone(zone), "ends_at": s.ends_at.astimezone(zone)} for s in slots
            ],
        }
        with timezone.override(zone):  # DRF writes datetimes in the active zone
            return Response(SlotsResponseSerializer(body).data)


class BookingListCreateView(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BookingSerializer

    def get_queryset(self):
        user = self.request.user
        return (
            Booking.objects.filter(Q(student=user) | Q(instructor__user=user))
            .select_related("student", "instructor__user")
            .order_by("-lesson_starts_at", "pk")
        )

    @extend_schema(summary="Your bookings (as student or instructor), latest lesson first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Book a lesson: hold the time and start the payment step",
        description="Send an `Idempotency-Key` header (up to 60 characters). The booking is `pending` "
        "(`pending_reason` `payment`) for 15 minutes: confirm `checkout.client_secret` with Stripe, then POST "
        "`checkout.confirm_url`. Repeating the request with the same key returns the booking made the first time "
        "(and its payment step) instead of booking again; if Stripe was unavailable (503), repeat it.",
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        request=BookingCreateSerializer,
        responses={
            201: BookingCreatedSerializer,
            400: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The time was taken, or the key was used differently"),
            503: OpenApiResponse(ErrorSerializer, description="Payments unavailable: repeat with the same key"),
        },
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 64 - len(IDEMPOTENCY_PREFIX):
            return _error("Send an Idempotency-Key header of 1 to 60 characters.")
        incoming = BookingCreateSerializer(data=request.data)
        if not incoming.is_valid():
            return Response(incoming.errors, status=status.HTTP_400_BAD_REQUEST)
        data = incoming.validated_data
        idempotency_key = IDEMPOTENCY_PREFIX + key
        earlier = Booking.objects.filter(student=request.user, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return self._replay(earlier, data)
        instructor = _live_instructor(data["instructor"])
        offer = _offer(instructor=instructor, service_slug=data["service"])
        if offer is None:
            return _error("This instructor does not teach that service.")
        point = None
        address = data["address"]
        if data["location_type"] == LocationType.STUDENT_PLACE and address.strip():
            found = geocode(address)
            if found is None:
                return _error(UNKNOWN_ADDRESS_MESSAGE)
            address, point = found.label, found.point
        now = timezone.now()
        try:
            booking = services.booking_create(
                student=request.user,
                offer=offer,
                duration_minutes=data["duration"],
                starts_at=data["starts_at"],
                location_type=data["location_type"],
                location_address=address,
                location_point=point,
                location_details=data["details"],
                note=data["note"],
                now=now,
                idempotency_key=idempotency_key,
            )
        except services.SlotTaken as error:
            return _error(_messages(error), status.HTTP_409_CONFLICT)
        except ValidationError as error:
            return _error(_messages(error))
        return self._with_checkout(booking, now=now)

    def _with_checkout(self, booking: Booking, *, now) -> Response:
        """The booking and, while it waits for payment, its payment step (made once: the same
        intent on every replay)."""
        booking.checkout = None
        if booking.status == BookingStatus.PENDING and booking.pending_reason == PendingReason.PAYMENT:
            try:
                step = checkout_prepare(booking=booking, user=booking.student, now=now)
            except ProviderUnavailable as error:
                return _error(str(error), status.HTTP_503_SERVICE_UNAVAILABLE)
            except ValidationError:
                step = None  # the hold ran out just now: the booking says so
            else:
                booking.checkout = {
                    "intent_kind": step.intent_kind,
                    "client_secret": step.client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    "card_cents": step.payment.card_cents,
                    "credit_applied_cents": step.payment.credit_applied_cents,
                    "authorize_at": step.authorize_at if step.intent_kind == "setup" else None,
                    "charge_at": booking.lesson_ends_at + CAPTURE_DELAY,
                    "confirm_url": reverse("api-booking-confirm", args=[booking.public_id]),
                }
        return Response(BookingCreatedSerializer(booking).data, status=status.HTTP_201_CREATED)

    def _replay(self, booking: Booking, data) -> Response:
        same = (
            booking.instructor.public_id == data["instructor"]
            and booking.offer.service.slug == data["service"]
            and booking.duration_minutes == data["duration"]
            and booking.location_type == data["location_type"]
            and booking.lesson_starts_at == data["starts_at"]
        )
        if not same:
            return _error("This Idempotency-Key was already used for a different booking.", status.HTTP_409_CONFLICT)
        return self._with_checkout(booking, now=timezone.now())


class BookingConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Finish the payment step of one of your bookings",
        description="Call it after Stripe confirmed the booking's `client_secret` (or at once when "
        "`intent_kind` is `none`). An instant booking becomes `confirmed`; a request-to-book waits for the "
        "instructor (`pending_reason` `instructor_approval`). A declined card or failed 3-D Secure books "
        "nothing and releases the time (402). Calling it again is harmless.",
        request=None,
        responses={
            200: BookingSerializer,
            402: OpenApiResponse(ErrorSerializer, description="The card was declined: no booking, the time is free"),
            404: ErrorSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="Not confirmed with Stripe yet, or no longer waiting for payment"
            ),
            503: OpenApiResponse(ErrorSerializer, description="Payments unavailable: nothing changed, try again"),
        },
    )
    def post(self, request, public_id):
        booking = Booking.objects.filter(student=request.user, public_id=public_id).first()
        if booking is None:
            return _error("No such booking.", status.HTTP_404_NOT_FOUND)
        try:
            checkout_finish(booking=booking, user=request.user, now=timezone.now())
        except CheckoutDeclined as error:
            return _error(_messages(error), status.HTTP_402_PAYMENT_REQUIRED)
        except ProviderUnavailable as error:
            return _error(str(error), status.HTTP_503_SERVICE_UNAVAILABLE)
        except ValidationError as error:  # not confirmed with Stripe yet, or the hold ran out
            return _error(_messages(error), status.HTTP_409_CONFLICT)
        booking.refresh_from_db()
        return Response(BookingSerializer(booking).data)


class BookingCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Cancel one of your bookings",
        description="Students pay according to the cancellation window recorded on the booking; an "
        "instructor's cancellation never costs the student. Cancelling twice is harmless.",
        request=CancelSerializer,
        responses={200: BookingSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, public_id):
        booking = booking_for_participant(user=request.user, public_id=public_id)
        if booking is None:
            return _error("No such booking.", status.HTTP_404_NOT_FOUND)
        incoming = CancelSerializer(data=request.data)
        if not incoming.is_valid():
            return Response(incoming.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            booking = services.booking_cancel(
                booking=booking, user=request.user, now=timezone.now(), reason=incoming.validated_data["reason"]
            )
        except (ValidationError, PermissionDenied) as error:
            return _error(" ".join(getattr(error, "messages", [str(error)])))
        return Response(BookingSerializer(booking).data)


urlpatterns = [
    path("instructors/<str:public_id>/slots/", SlotsView.as_view(), name="api-instructor-slots"),
    path("bookings/", BookingListCreateView.as_view(), name="api-bookings"),
    path("bookings/<str:public_id>/confirm/", BookingConfirmView.as_view(), name="api-booking-confirm"),
    path("bookings/<str:public_id>/cancel/", BookingCancelView.as_view(), name="api-booking-cancel"),
]
