"""Quarter-hour masks ↔ what people type and read ("09:00–12:00, 13:30–17:00")."""

import re

from django.core.exceptions import ValidationError

from availability.slots import _runs

_RANGE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")


def _quarter(hours: str, minutes: str | None, *, text: str) -> int:
    h, m = int(hours), int(minutes or 0)
    if m % 15 or m >= 60 or h > 24 or (h == 24 and m):
        raise ValidationError(f"“{text}”: use times on the quarter hour, like 09:00 or 13:45.")
    return h * 4 + m // 15


def mask_from_text(text: str) -> int:
    """Parses comma-separated 24-hour ranges; blank means not available."""
    bits = 0
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValidationError(f"“{part}” is not a time range. Write it like 09:00–12:00.")
        first = _quarter(match[1], match[2], text=part)
        end = _quarter(match[3], match[4], text=part)
        if end <= first:
            raise ValidationError(f"“{part}” ends before it starts.")
        bits |= ((1 << (end - first)) - 1) << first
    return bits


def _clock(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


def text_from_mask(bits: int) -> str:
    return ", ".join(f"{_clock(first)}–{_clock(end)}" for first, end in _runs(bits))
