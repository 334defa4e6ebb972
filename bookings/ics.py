"""An "add to calendar" file for one booking, in the recipient's own timezone (with VTIMEZONE)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone


def booking_ics(*, booking, zone: ZoneInfo, title: str, url: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//InstaInstru//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    starts = booking.lesson_starts_at.astimezone(zone)
    ends = booking.lesson_ends_at.astimezone(zone)
    calendar.add_component(
        Timezone.from_tzinfo(zone, first_date=starts.date() - timedelta(days=1), last_date=ends.date())
    )
    event = Event()
    event.add("uid", f"booking-{booking.public_id}@instainstru")
    event.add("dtstamp", booking.created_at)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", title)
    location = booking.location_address or booking.get_location_type_display()
    event.add("location", location)
    description = f"{booking.service_name}, {booking.duration_minutes} minutes. Times in {zone.key}."
    if url:
        event.add("url", url)
        description += f"\n{url}"
    event.add("description", description)
    event.add("status", "CANCELLED" if booking.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
