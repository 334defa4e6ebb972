"""An "add to calendar" file for one booking, in the recipient's own timezone (with VTIMEZONE).

One event per booking, always with the same UID: a move sends it again with a higher SEQUENCE
(calendar apps replace the old time), and a cancellation sends METHOD:CANCEL with
STATUS:CANCELLED and a higher SEQUENCE still (they remove it).
"""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from icalendar import Calendar, Event, Timezone, vCalAddress


def calendar_sequence(booking) -> int:
    """0 when made; +1 for every move and for the cancellation."""
    return booking.moves_count + (1 if booking.status == "cancelled" else 0)


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = name
    return address


def booking_ics(*, booking, recipient, title: str, url: str = "") -> bytes:
    """The booking as `recipient` (a user) sees it: times in their zone."""
    zone = recipient.zone
    cancelled = booking.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//InstaInstru//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    starts = booking.lesson_starts_at.astimezone(zone)
    ends = booking.lesson_ends_at.astimezone(zone)
    calendar.add_component(
        Timezone.from_tzinfo(zone, first_date=starts.date() - timedelta(days=1), last_date=ends.date())
    )
    event = Event()
    event.add("uid", f"booking-{booking.public_id}@instainstru")
    event.add("sequence", calendar_sequence(booking))
    # The last change of the booking: with SEQUENCE it orders the versions a calendar receives.
    event.add("dtstamp", booking.updated_at or booking.created_at)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", title)
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    event.add("organizer", _address(organizer_email, organizer_name or "InstaInstru"))
    if cancelled:
        event.add("attendee", _address(recipient.email, recipient.full_name))
    location = booking.location_address or booking.get_location_type_display()
    event.add("location", location)
    description = f"{booking.service_name}, {booking.duration_minutes} minutes. Times in {zone.key}."
    if cancelled:
        description = f"Cancelled. {description}"
    if url:
        event.add("url", url)
        description += f"\n{url}"
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
