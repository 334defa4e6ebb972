"""Understanding a search box query: "piano lessons for my 8 year old in park slope under $90
saturday morning" becomes a service, an age group, a place, a price range and a time window.

Pure functions. The only outside knowledge (which words name a service, which name a place) comes
through an injected `QueryLookup`, so the rules here are testable and the database lookups
(`search.lookups.DatabaseLookup`, pg_trgm) stay in one place. Times are interpreted in the
searcher's timezone relative to an explicit `now`; windows are returned as UTC intervals.

Whatever is not understood is kept, in order, as `free_text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from catalog.models import AgeGroup, Level, LocationType

# How far ahead day words without a date ("weekends", "mornings") look.
OPEN_ENDED_DAYS = 14


@dataclass(frozen=True)
class ServiceMatch:
    service_id: int
    name: str
    slug: str
    similarity: float = 1.0


@dataclass(frozen=True)
class PlaceMatch:
    """A place the searcher means. `kind` is neighborhood, borough, zip, address or near_me."""

    kind: str
    label: str
    longitude: float | None = None
    latitude: float | None = None
    neighborhood_slug: str = ""
    region: str = ""
    similarity: float = 1.0
    phrase: str = ""  # what the searcher typed for it

    @property
    def has_point(self) -> bool:
        return self.longitude is not None and self.latitude is not None


class QueryLookup(Protocol):
    def match_services(self, phrases: list[str]) -> dict[str, ServiceMatch]:
        """The best service for each phrase that names one (typos allowed), keyed by phrase."""

    def match_places(self, phrases: list[str]) -> dict[str, PlaceMatch]:
        """The place for each phrase that names one (neighborhood, borough, ZIP, address)."""


@dataclass(frozen=True)
class TimeWindow:
    """Local days and a local time-of-day range, e.g. Saturdays 08:00–12:00."""

    label: str
    days: tuple[date, ...]
    start: time = time(0, 0)
    end: time | None = None  # None: until midnight
    phrase: str = ""  # what the searcher typed for it, re-read on every visit of a shared URL

    def utc_intervals(self, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        intervals = []
        for day in self.days:
            starts_at = datetime.combine(day, self.start, tzinfo=zone)
            end_day = day + timedelta(days=1) if self.end is None else day
            ends_at = datetime.combine(end_day, self.end or time(0, 0), tzinfo=zone)
            intervals.append((starts_at.astimezone(UTC), ends_at.astimezone(UTC)))
        return intervals


@dataclass
class ParsedQuery:
    raw: str = ""
    service: ServiceMatch | None = None
    age_group: str = ""
    level: str = ""
    place: PlaceMatch | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    location_types: tuple[str, ...] = ()
    window: TimeWindow | None = None
    free_text: str = ""
    # Phrases that looked like a place or service but matched nothing (shown to the searcher).
    unknown_place: str = ""
    needs_location: bool = False  # "near me" without coordinates from the browser
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Vocabulary

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY_ABBREVIATIONS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4}
PARTS_OF_DAY = {
    "early morning": (time(6), time(9)),
    "morning": (time(8), time(12)),
    "midday": (time(11), time(14)),
    "lunchtime": (time(11, 30), time(14)),
    "afternoon": (time(12), time(17)),
    "after school": (time(15), time(19)),
    "after work": (time(17), time(21)),
    "evening": (time(17), time(21)),
    "night": (time(18), time(22)),
}
STOPWORDS = set(
    """a an the and or of for with to in on at by my our me i im i'm we want need looking look find
    lesson lessons class classes teacher teachers trainer trainers tutor tutors tutoring instructor instructors
    coach coaches
    coaching learn learning how please some who that can private one best good great cheap affordable
    is are be someone near around about like would love get take trying also from this""".split()
)
PLACE_PREPOSITIONS = ("in", "near", "around", "by", "close to")
_WORD = r"[a-z0-9'][a-z0-9'\-]*"


def _money(text: str) -> int:
    return round(float(text) * 100)


def _hour(hour_text: str, minute_text: str | None, meridiem: str | None, default_pm_below: int = 8) -> time | None:
    hour, minute = int(hour_text), int(minute_text or 0)
    if hour > 23 or minute > 59:
        return None
    if meridiem:
        meridiem = meridiem.replace(".", "")
        if hour > 12:
            return None
        if meridiem.startswith("p") and hour != 12:
            hour += 12
        if meridiem.startswith("a") and hour == 12:
            hour = 0
    elif 1 <= hour < default_pm_below:
        # "after 5" means 5 pm: nobody books piano at 5 am without saying so.
        hour += 12
    return time(hour, minute)


class _Text:
    """The query being consumed: each rule cuts out what it understood."""

    def __init__(self, raw: str):
        text = raw.lower().replace("’", "'").replace("–", "-").replace("—", " ")
        text = re.sub(r"[^\w\s$'\-:./,&]", " ", text)
        self.value = " " + re.sub(r"\s+", " ", text).strip() + " "
        self.taken: list[str] = []

    def take(self, pattern: str) -> re.Match | None:
        match = re.search(pattern, self.value)
        if match:
            self.taken.append(match.group(0).strip())
            self.value = self.value[: match.start()] + " " + self.value[match.end() :]
            self.value = re.sub(r"\s+", " ", self.value)
        return match

    def take_first(self, pattern: str, accept) -> re.Match | None:
        """Like `take`, for the first match that `accept(match)` approves."""
        for match in re.finditer(pattern, self.value):
            if accept(match):
                self.take(re.escape(match.group(0)))
                return match
        return None

    def words(self) -> list[str]:
        return [w.strip("'.,:-/") for w in self.value.split() if w.strip("'.,:-/&")]


# ---------------------------------------------------------------------------------------------
# Rules, each consuming its part of the text


# A number followed by one of these is not a price ("over 10 years", "under 30 minutes", "at 5pm").
_NOT_MONEY = (
    r"(?!\s?(?:years?|yrs?|y/?o\b|hours?|hrs?\b|minutes?|mins?\b|lessons?|students?|reviews?|%|am\b|pm\b|[\d.]))"
)


def _take_price(text: _Text, parsed: ParsedQuery) -> None:
    amount = rf"\$?\s?(\d{{1,4}}(?:\.\d{{1,2}})?){_NOT_MONEY}\s?(?:dollars|bucks|usd)?"
    dollar_amount = r"\$\s?(\d{1,4}(?:\.\d{1,2})?)"
    per_hour = r"(?:\s?(?:/|per|an|a)\s?(?:hour|hr|h)\b)?"
    upper = r"\$?\s?(\d{1,4}(?:\.\d{1,2})?)"
    match = text.take(rf"(?:between|from)?\s?{dollar_amount}\s?(?:-|to|and)\s?{upper}{per_hour}")
    if match:
        low, high = sorted((_money(match.group(1)), _money(match.group(2))))
        parsed.min_price_cents, parsed.max_price_cents = low, high
        return
    match = text.take(
        rf"\b(?:under|below|less than|cheaper than|max(?:imum)?|at most|up to|no more than|<)\s?{amount}{per_hour}"
    )
    if match:
        parsed.max_price_cents = _money(match.group(1))
        return
    match = text.take(rf"\b(?:over|above|more than|at least|min(?:imum)?|>)\s?{amount}{per_hour}")
    if match:
        parsed.min_price_cents = _money(match.group(1))
        return
    match = text.take(rf"{dollar_amount}\s?(?:/|per|an|a)\s?(?:hour|hr|h)\b(?: or less| max)?")
    if match:
        parsed.max_price_cents = _money(match.group(1))


def _age_group_for(age: int) -> str:
    if age <= 12:
        return AgeGroup.KIDS
    if age <= 17:
        return AgeGroup.TEENS
    return AgeGroup.ADULTS


_CHILD_WORDS = r"kids?|children|child|boys?|girls?|toddlers?|teens?|teenagers?"
_ADULT_WORDS = r"adults?|seniors?|people|women|men|grown[\s\-]?ups?"
_YEARS_OLD = r"(?:years?[\s\-]?olds?|yrs?[\s\-]?olds?|yo|y/o|year)"


def _plausible_age(match: re.Match) -> bool:
    """ "kids under 10" is an age; "kids under 60" is a price, as is "adults under 15"."""
    age = int(match.group(4))
    return age <= 18 if re.fullmatch(_CHILD_WORDS, match.group(1)) else age >= 18


def _take_age(text: _Text, parsed: ParsedQuery) -> None:
    # Ranges: "for ages 5-7", "aged 13 to 15", "5-7 year olds" (the group of the middle of the range).
    match = text.take(
        r"\b(?:for )?(?:(?:kids|children) )?(?:ages?|aged) (\d{1,2})\s?(?:-|to|and)\s?(\d{1,2})\b"
        rf"|\b(?:for )?(\d{{1,2}})\s?(?:-|to)\s?(\d{{1,2}})[\s\-]?{_YEARS_OLD}\b"
    )
    if match:
        low, high = (int(group) for group in match.groups() if group is not None)
        parsed.age_group = _age_group_for((low + high) // 2)
        return
    # "kids under 10", "children younger than 6", "adults over 50": an age, not a price.
    match = text.take_first(
        rf"\b(?:for )?(?:my |our |the )?({_CHILD_WORDS}|{_ADULT_WORDS}) (?:(under|below|younger than)"
        r"|(over|above|older than)) (\d{1,2})(?!\s?(?:dollars|bucks|usd|/|per|an hour|a hour|[\d.]))(?:\+|\b)",
        accept=_plausible_age,
    )
    if match:
        word, age = match.group(1), int(match.group(4))
        if re.fullmatch(_CHILD_WORDS, word):
            parsed.age_group = _age_group_for(age - 1 if match.group(2) else age)
        else:
            parsed.age_group = AgeGroup.ADULTS
        return
    # "for under 10s", "under-5s"
    match = text.take(r"\b(?:for )?(?:the )?under[\s\-]?(\d{1,2})'?s\b")
    if match:
        parsed.age_group = _age_group_for(int(match.group(1)) - 1)
        return
    match = text.take(
        r"\b(?:for )?(?:ages?|aged) (\d{1,2})\+?(?: and (?:up|over|older))?(?=\s|$)"
        rf"|\b(?:for )?(?:my |our |a |an )?(\d{{1,2}})[\s\-]?{_YEARS_OLD}"
        r"(?: (?:son|daughter|kid|child|boy|girl|twins))?\b"
    )
    if match:
        parsed.age_group = _age_group_for(int(match.group(1) or match.group(2)))
        return
    match = text.take(r"\b(?:for )?(?:my |our )?(?:son|daughter|kid|child|boy|girl)s? (?:who is|aged?) (\d{1,2})\b")
    if match:
        parsed.age_group = _age_group_for(int(match.group(1)))
        return
    groups = [
        (
            AgeGroup.KIDS,
            r"kids?|children|child|toddlers?|preschoolers?|little ones|elementary(?: school)?|my son|my daughter",
        ),
        (AgeGroup.TEENS, r"teens?|teenagers?|high school(?:ers?)?|middle school(?:ers?)?|adolescents?"),
        (AgeGroup.ADULTS, r"adults?|grown[\s\-]?ups?|seniors?|retirees?"),
    ]
    for group, words in groups:
        if text.take(rf"\b(?:for )?(?:my |our )?(?:{words})(?:'s)?\b"):
            parsed.age_group = group
            return


def _take_level(text: _Text, parsed: ParsedQuery) -> None:
    levels = [
        (Level.BEGINNER, r"beginners?|beginning|novice|first[\s\-]time(?:rs?)?|from scratch|absolute beginner"),
        (Level.INTERMEDIATE, r"intermediate"),
        (Level.ADVANCED, r"advanced|expert|professional level|conservatory"),
    ]
    for level, words in levels:
        if text.take(rf"\b(?:for )?(?:an? )?(?:{words})\b"):
            parsed.level = level
            return


def _take_location_type(text: _Text, parsed: ParsedQuery) -> None:
    found: list[str] = []
    if text.take(r"\b(?:online|virtual(?:ly)?|remote(?:ly)?|(?:over|via|on) (?:zoom|video|skype)|zoom)\b"):
        found.append(LocationType.ONLINE)
    if text.take(
        r"\b(?:at|in|to) (?:my|our) (?:home|house|place|apartment|apt)\b|\bat home\b|\bin[\s\-]home\b"
        r"|\bcomes? to (?:me|us|my (?:home|house|place))\b|\bhouse calls?\b|\btravels? to me\b"
    ):
        found.append(LocationType.STUDENT_PLACE)
    if text.take(r"\b(?:at (?:a |the |their |your |his |her )?|in (?:a |the )?)?studio\b"):
        found.append(LocationType.STUDIO)
    if not found and text.take(r"\bin[\s\-]person\b|\bface[\s\-]to[\s\-]face\b"):
        found += [LocationType.STUDENT_PLACE, LocationType.STUDIO, LocationType.NEUTRAL]
    parsed.location_types = tuple(found)


def _take_near_me(text: _Text, parsed: ParsedQuery, latitude: float | None, longitude: float | None) -> None:
    if text.take(r"\b(?:near|close to|around) (?:me|here|my location)\b|\bnearby\b|\bin my (?:area|neighborhood)\b"):
        if latitude is not None and longitude is not None:
            parsed.place = PlaceMatch(kind="near_me", label="Near you", longitude=longitude, latitude=latitude)
        else:
            parsed.needs_location = True


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _take_time(text: _Text, parsed: ParsedQuery, local_now: datetime) -> None:
    today = local_now.date()
    days: tuple[date, ...] | None = None
    weekday_named = False
    day_label = ""
    first_taken = len(text.taken)
    weekday_words = "|".join(WEEKDAYS + list(WEEKDAY_ABBREVIATIONS))

    def weekday_index(word: str) -> int:
        word = word.rstrip("s") if word.rstrip("s") in WEEKDAYS else word
        return WEEKDAYS.index(word) if word in WEEKDAYS else WEEKDAY_ABBREVIATIONS[word]

    weekend = r"\b(?:(?:on|every) )?weekends?\b|\b(?:on|every) (?:sat(?:urday)?s? (?:and|&|or) sun(?:day)?s?)\b"
    if match := text.take(weekend):
        days = tuple(d for d in (today + timedelta(days=i) for i in range(OPEN_ENDED_DAYS)) if d.weekday() >= 5)
        day_label = "Weekends"
        if re.search(r"\bthis\s*$", text.value[: match.start() + 1]):
            text.take(r"\bthis\b")
            days = days[:2] if today.weekday() < 5 else tuple(d for d in days if (d - today).days < 2)
            day_label = "This weekend"
    elif text.take(r"\b(?:on )?weekdays?\b"):
        days = tuple(d for d in (today + timedelta(days=i) for i in range(OPEN_ENDED_DAYS)) if d.weekday() < 5)
        day_label = "Weekdays"
    elif text.take(r"\btonight\b"):
        days, day_label = (today,), "Tonight"
        text.value += " evening "
    elif text.take(r"\b(?:today|this afternoon|this morning|this evening)\b") is not None:
        days, day_label = (today,), "Today"
    elif text.take(r"\btomorrow\b|\btmrw\b|\btmr\b"):
        days, day_label = (today + timedelta(days=1),), "Tomorrow"
    elif match := text.take(rf"\b(?:(?:on|every|this|next) )?({weekday_words})s?\b"):
        word = match.group(1)
        index = weekday_index(word)
        first = _next_weekday(today, index)
        if match.group(0).strip().startswith("next") and first - today < timedelta(days=7):
            first += timedelta(days=7) if first == today else timedelta(days=0)
        plural = match.group(0).strip().endswith("s") and not word.endswith("s") or match.group(0).startswith("every")
        days = (first, first + timedelta(days=7)) if plural else (first,)
        day_label = WEEKDAYS[index].capitalize() + ("s" if plural else "")
        weekday_named = True
    elif text.take(r"\bthis week\b"):
        days = tuple(today + timedelta(days=i) for i in range(7 - today.weekday()))
        day_label = "This week"
    elif text.take(r"\bnext week\b"):
        monday = today + timedelta(days=7 - today.weekday())
        days = tuple(monday + timedelta(days=i) for i in range(7))
        day_label = "Next week"

    start, end, time_label = time(0), None, ""
    hour = r"(\d{1,2})(?::(\d{2}))?\s?(a\.?m\.?|p\.?m\.?)?"
    if match := text.take(rf"\b(?:between|from) {hour}\s?(?:and|to|-)\s?{hour}\b|\b{hour}\s?(?:-|to\b)\s?{hour}\b"):
        groups = match.groups()
        first, second = (groups[0:3], groups[3:6]) if groups[0] else (groups[6:9], groups[9:12])
        meridiem = first[2] or second[2]
        start_time, end_time = _hour(first[0], first[1], first[2] or meridiem), _hour(*second)
        if start_time and end_time and start_time < end_time:
            start, end = start_time, end_time
            time_label = f"{_clock(start)}–{_clock(end)}"
    elif match := text.take(rf"\b(?:after|from|later than|past) {hour}(?! ?(?:year|yr|yo))\b"):
        if found := _hour(*match.groups()):
            start, time_label = found, f"after {_clock(found)}"
    elif match := text.take(rf"\b(?:before|by|earlier than|until) {hour}(?! ?(?:year|yr|yo))\b"):
        if found := _hour(*match.groups(), default_pm_below=7):
            start, end, time_label = time(6), found, f"before {_clock(found)}"
    elif match := text.take(rf"\b(?:at|around) {hour}\b(?=\s|$)") or text.take(r"\b(\d{1,2})(?::(\d{2}))?\s?(am|pm)\b"):
        if found := _hour(*match.groups()):
            start = found
            end = (datetime.combine(today, found) + timedelta(hours=1)).time()
            end = None if end <= start else end
            time_label = f"at {_clock(found)}"
    else:
        for words, (part_start, part_end) in PARTS_OF_DAY.items():
            if text.take(rf"\b(?:in the |during the |on |early )?{words}s?\b"):
                start, end, time_label = part_start, part_end, words
                break

    if days is None and not time_label:
        return
    # "saturday morning" typed on a Saturday afternoon means next Saturday: today's window is over.
    if weekday_named and days[0] == today and end is not None and local_now.time() >= end:
        days = tuple(day + timedelta(days=7) for day in days)
    if days is None:
        days = tuple(today + timedelta(days=i) for i in range(OPEN_ENDED_DAYS))
    label = " ".join(part for part in (day_label, time_label) if part) or "Any time"
    phrase = " ".join(text.taken[first_taken:])
    parsed.window = TimeWindow(label=label[0].upper() + label[1:], days=days, start=start, end=end, phrase=phrase)


def _clock(value: time) -> str:
    suffix = "am" if value.hour < 12 else "pm"
    hour = value.hour % 12 or 12
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _ngrams(words: list[str], longest: int) -> list[tuple[int, int, str]]:
    grams = []
    for size in range(min(longest, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            chunk = words[start : start + size]
            if chunk[0] in STOPWORDS or chunk[-1] in STOPWORDS:
                continue
            grams.append((start, start + size, " ".join(chunk)))
    return grams


def _take_place(text: _Text, parsed: ParsedQuery, lookup: QueryLookup) -> None:
    if parsed.place:
        return
    if match := text.take(r"\b(\d{5})\b"):
        places = lookup.match_places([match.group(1)])
        if match.group(1) in places:
            parsed.place = replace(places[match.group(1)], phrase=match.group(1))
        else:
            parsed.unknown_place = match.group(1)
        return
    address = text.take(
        r"\b(\d{1,5} [a-z0-9 .']+? (?:st|street|ave|avenue|blvd|boulevard|rd|road|pl|place|ln|lane|dr|drive"
        r"|pkwy|parkway|way|ct|court|sq|square|terrace|broadway)\b\.?"
        r"(?:,? (?:brooklyn|manhattan|queens|bronx|staten island|new york|ny))?)"
    )
    if address:
        phrase = address.group(1).strip(" .,")
        places = lookup.match_places([phrase])
        if phrase in places:
            parsed.place = replace(places[phrase], phrase=phrase)
        else:
            parsed.unknown_place = phrase
        return
    words = text.words()
    grams = _ngrams(words, 4)
    if not grams:
        return
    places = lookup.match_places([gram for _, _, gram in grams])
    candidates = [
        (places[gram].similarity, end - start, -start, start, gram) for start, end, gram in grams if gram in places
    ]
    if candidates:
        *_, start, gram = max(candidates)
        parsed.place = replace(places[gram], phrase=gram)
        before = " ".join(words[max(0, start - 2) : start])
        preposition = next((p for p in PLACE_PREPOSITIONS if before.endswith(p)), "")
        pattern = rf"\b(?:{re.escape(preposition)} )?{re.escape(gram)}\b" if preposition else rf"\b{re.escape(gram)}\b"
        text.take(pattern)


def _take_service(text: _Text, parsed: ParsedQuery, lookup: QueryLookup) -> None:
    words = text.words()
    grams = _ngrams(words, 3)
    if not grams:
        return
    matches = lookup.match_services([gram for _, _, gram in grams])
    # The closest match wins, with a little credit for longer phrases ("personal trainer" is closer
    # to "personal training" than "personal" is), then the first one said ("boxing trainer").
    candidates = [
        (end - start, matches[gram].similarity + 0.1 * (end - start - 1), -start, gram)
        for start, end, gram in grams
        if gram in matches
    ]
    if not candidates:
        return
    *_, best = max(candidates, key=lambda candidate: candidate[1:])
    parsed.service = matches[best]
    text.take(rf"\b{re.escape(best)}\b")
    # Other words that name the same service ("python programming") are understood too.
    for size, _, _, gram in candidates:
        if size == 1 and matches[gram].service_id == parsed.service.service_id:
            text.take(rf"\b{re.escape(gram)}\b")


def parse_query(
    raw: str,
    *,
    lookup: QueryLookup,
    now: datetime,
    zone: ZoneInfo,
    latitude: float | None = None,
    longitude: float | None = None,
) -> ParsedQuery:
    """Reads a search box query. Never raises on odd input: what is not understood is free text."""
    parsed = ParsedQuery(raw=(raw or "").strip()[:200])
    text = _Text(parsed.raw)
    local_now = now.astimezone(zone)
    _take_location_type(text, parsed)
    _take_near_me(text, parsed, latitude, longitude)
    _take_age(text, parsed)
    _take_price(text, parsed)
    _take_time(text, parsed, local_now)
    _take_level(text, parsed)
    _take_place(text, parsed, lookup)
    _take_service(text, parsed, lookup)
    leftover = [word for word in text.words() if word not in STOPWORDS and not re.fullmatch(r"[\d$.,:'\-/&]+", word)]
    parsed.free_text = " ".join(leftover)
    return parsed
