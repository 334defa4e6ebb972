"""Instructor availability. The weekly schedule, per-date changes and settings are added by
the availability work; `OpenTime` is the summary of bookable time that search reads.

`OpenTime` rows are the instructor's open intervals (UTC) for the coming weeks, after the
schedule, time off and bookings are applied. The availability and booking services refresh
an instructor's rows on every change, and a periodic job repairs drift, so search can filter
by "Saturday morning" and sort by "soonest available" with one indexed query instead of
running the slot engine per card.
"""

from django.contrib.postgres.fields import DateTimeRangeField
from django.contrib.postgres.indexes import GistIndex
from django.db import models


class OpenTime(models.Model):
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="open_times")
    span = DateTimeRangeField()

    class Meta:
        indexes = [GistIndex(fields=["instructor", "span"], name="open_time_instructor_span")]

    def __str__(self):
        return f"{self.instructor_id}: {self.span}"
