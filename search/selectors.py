"""The search itself: filters, ranking, sorting and pagination over live instructors.

One SQL query returns a page of instructors with everything a card shows (price from, distance,
next open time, rating), plus one COUNT for the paginator. Availability reads the
`availability.OpenTime` summary (GiST-indexed), never the slot engine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.contrib.postgres.fields.ranges import RangeEndsWith, RangeStartsWith
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import IsNull
from psycopg.types.range import Range

from accounts.models import User
from availability.models import AvailabilitySettings, OpenTime
from catalog.models import InstructorNeighborhood, InstructorProfile, InstructorService, LocationType
from catalog.selectors import live_instructors
from reviews.models import RATING_SHOWN_FROM
from search import bookable, ranking
from search.lookup_cache import lookup_tables

PER_PAGE = 20
DEFAULT_RADIUS_KM = 10
MIN_LESSON = bookable.MIN_LESSON


class Sort:
    RELEVANCE = "relevance"
    PRICE_LOW = "price"
    PRICE_HIGH = "-price"
    RATING = "rating"
    DISTANCE = "distance"
    SOONEST = "soonest"
    CHOICES = [
        (RELEVANCE, "Best match"),
        (PRICE_LOW, "Price: low to high"),
        (PRICE_HIGH, "Price: high to low"),
        (RATING, "Rating"),
        (DISTANCE, "Distance"),
        (SOONEST, "Soonest available"),
    ]


@dataclass
class SearchFilters:
    """Everything a search can be narrowed by; built from the parsed query and explicit parameters."""

    category_slug: str = ""
    service_id: int | None = None
    age_group: str = ""
    level: str = ""
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    location_types: tuple[str, ...] = ()
    neighborhood_slug: str = ""  # instructors who cover it or teach at a studio in or near it
    region: str = ""
    point: Point | None = None  # near me, a ZIP or an address: instructors within `radius_km` or covering it
    radius_km: float = DEFAULT_RADIUS_KM
    origin: Point | None = None  # where distances are measured from without a point (a neighborhood's centre)
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)  # UTC
    min_rating: float | None = None
    free_text: str = ""
    sort: str = Sort.RELEVANCE

    @property
    def distance_from(self) -> Point | None:
        return self.point if self.point is not None else self.origin


@dataclass
class SearchResults:
    page: Page
    filters: SearchFilters

    @property
    def count(self) -> int:
        return self.page.paginator.count


def _offers(filters: SearchFilters, instructors: dict | None = None) -> QuerySet:
    """The active offers matching `filters`, of the outer query's instructor (or of `instructors`)."""
    offers = InstructorService.objects.filter(is_active=True, **(instructors or {"instructor": OuterRef("pk")}))
    if filters.service_id:
        offers = offers.filter(service_id=filters.service_id)
    if filters.category_slug:
        offers = offers.filter(service__category__slug=filters.category_slug)
    if filters.age_group:
        offers = offers.filter(age_groups__contains=[filters.age_group])
    if filters.level:
        offers = offers.filter(levels__contains=[filters.level])
    if filters.min_price_cents is not None:
        offers = offers.filter(hourly_rate_cents__gte=filters.min_price_cents)
    if filters.max_price_cents is not None:
        offers = offers.filter(hourly_rate_cents__lte=filters.max_price_cents)
    types = set(filters.location_types)
    if _place_applies(filters):
        # A place means lessons there: in person, unless the searcher also asked for online.
        types = (types or set(LocationType.in_person())) | ({LocationType.ONLINE} & types)
    if types:
        offers = offers.filter(location_types__overlap=sorted(types))
    return offers


def _place_applies(filters: SearchFilters) -> bool:
    has_place = bool(filters.neighborhood_slug or filters.region or filters.point)
    return has_place and set(filters.location_types) != {LocationType.ONLINE}


# A studio this close to a neighborhood's edge counts as near it (a short walk for the student).
STUDIO_NEAR_AREA_M = 1000


def _neighborhood_q(filters: SearchFilters) -> Q:
    """Instructors who teach in the neighborhood: they cover it (their coverage reaches it, or they
    listed it), or they teach at a studio in it or within STUDIO_NEAR_AREA_M of its edge (when studio
    lessons are among those asked for). Not a radius around its centre: someone 8 km away who does
    not come to Park Slope is not a Park Slope instructor. Distance still sorts from the centre.

    The boundary is a constant of the statement (from the lookup tables), tested against each
    candidate the other filters kept: planar for coverage, as for boroughs (see _PlanarIntersects),
    which PostGIS prepares once per statement. An uncorrelated geodesic join over every coverage
    took 3.7 s at 10,000 instructors (a third of them cover a given neighborhood)."""
    slug = filters.neighborhood_slug
    listed = Exists(InstructorNeighborhood.objects.filter(instructor=OuterRef("pk"), neighborhood__slug=slug))
    area = lookup_tables().neighborhood_area(slug)
    if area is None:
        return Q(listed)
    covers = Q(listed) | Q(_PlanarIntersects(F("coverage"), Value(area.hexewkb.decode())))
    if filters.location_types and LocationType.STUDIO not in filters.location_types:
        return covers
    studio_offer = Exists(_offers(replace(filters, location_types=(LocationType.STUDIO,), neighborhood_slug="")))
    return covers | (Q(public_point__dwithin=(area, STUDIO_NEAR_AREA_M)) & studio_offer)


def _place_q(filters: SearchFilters) -> Q:
    """Instructors who teach in person at the place (online-only searches ignore the place)."""
    in_person = Q()
    if filters.point is not None:
        in_person |= Q(coverage__covers=filters.point)
        in_person |= Q(public_point__dwithin=(filters.point, filters.radius_km * 1000))
    if filters.neighborhood_slug:
        in_person |= _neighborhood_q(filters)
    if filters.region:
        in_person |= Exists(
            InstructorNeighborhood.objects.filter(instructor=OuterRef("pk"), neighborhood__region=filters.region)
        )
        # One borough-wide shape (cached) tested against each coverage through its GiST index,
        # instead of testing every neighborhood of the borough against every instructor.
        area = lookup_tables().region_area(filters.region)
        if area is not None:
            in_person |= Q(_PlanarIntersects(F("coverage"), Value(area.hexewkb.decode())))
    online = Q(Exists(_offers(replace(filters, location_types=(LocationType.ONLINE,)))))
    if LocationType.ONLINE in filters.location_types:
        return in_person | online
    return in_person


def _earliest_start(now: datetime, notice_hours=None) -> Expression:
    """`now` plus the instructor's minimum notice (of the outer query's instructor by default)."""
    return bookable.earliest_start(
        now=now, notice_hours=OuterRef("booking_notice_hours") if notice_hours is None else notice_hours
    )


def _notice_hours() -> Coalesce:
    """The instructor's minimum notice, from the search summary; from the availability settings (or
    their default) for an instructor without a summary row yet."""
    return Coalesce(
        F("search_summary__minimum_notice_hours"),
        Subquery(AvailabilitySettings.objects.filter(instructor=OuterRef("pk")).values("minimum_notice_hours")[:1]),
        Value(bookable.DEFAULT_MINIMUM_NOTICE_HOURS),
    )


def _open_in_windows(windows: list[tuple[datetime, datetime]], *, now: datetime) -> Q:
    """Instructors with a lesson a student could book inside one of the windows: open time from which
    MIN_LESSON fits between the later of the window's start and now plus the instructor's notice (on
    the slot grid, see `search.bookable`) and the earlier of the window's end and the span's end.
    """
    earliest = _earliest_start(now)
    condition = Q()
    for starts_at, ends_at in windows:
        if ends_at - starts_at < MIN_LESSON:
            continue
        window_start, window_end = Value(starts_at), Value(ends_at)
        condition |= Q(span__overlap=Range(starts_at, ends_at)) & Q(
            bookable.fits_lesson(
                Greatest(RangeStartsWith("span"), window_start, output_field=DateTimeField()),
                Least(RangeEndsWith("span"), window_end, output_field=DateTimeField()),
                earliest,
            )
        )
    if not condition:
        return Q(pk__in=[])
    # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns EXISTS into a semi-join that
    # scans every instructor's open time in the window (500 ms at 10,000 instructors), while this
    # stays a probe of the (instructor, span) GiST index for each instructor the other filters kept.
    first_open = Subquery(OpenTime.objects.filter(instructor=OuterRef("pk")).filter(condition).values("pk")[:1])
    return Q(IsNull(first_open, False))


def _next_available(now: datetime) -> Case:
    """The first start a student could book: in the instructor's first open interval with room for a
    lesson from now plus their minimum notice, on the slot grid (`search.bookable`).

    Read from the instructor's search summary while its stored first interval still has that room
    (it is then still the first one, see `InstructorSearchSummary`); a summary without open time
    means none. Otherwise (no summary yet, or the stored interval has passed) one probe of OpenTime
    (`bookable.first_bookable_open_time`, one walk of the btree index on `upper(span)`).
    """
    earliest = _earliest_start(now, F("booking_notice_hours"))
    stored_start, stored_end = F("search_summary__next_open_starts_at"), F("search_summary__next_open_ends_at")
    probe = bookable.first_bookable_open_time(instructor=OuterRef("pk"), earliest=_earliest_start(now))
    return Case(
        When(
            bookable.fits_lesson(stored_start, stored_end, earliest),
            then=bookable.first_start(stored_start, earliest),
        ),
        When(
            search_summary__refreshed_at__isnull=False,
            search_summary__next_open_ends_at__isnull=True,
            then=Value(None, output_field=DateTimeField()),
        ),
        default=Subquery(probe.values("bookable_start")[:1]),
        output_field=DateTimeField(),
    )


class _PlanarIntersects(Func):
    """ST_Intersects of a geography column and an EWKB shape, on geometry: the same answer at city
    scale, about 20 times cheaper than the geodesic test (0.4 ms per instructor at 10,000)."""

    template = "ST_Intersects(%(expressions)s)"
    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, shape = (compiler.compile(expression) for expression in self.source_expressions)
        sql = f"ST_Intersects(({column[0]})::geometry, ST_GeomFromEWKB(decode({shape[0]}, 'hex')))"
        return sql, (*column[1], *shape[1])


def _free_text_q(words: list[str], *, per_candidate: bool = False) -> Q:
    """Every word in the headline, the bio or one of the active offers' descriptions.

    As a filter (free text without a service): uncorrelated `pk IN (…)` subqueries, each run once
    through the trigram indexes (migration 0003), instead of a substring test of every live
    instructor's bio. `per_candidate`: the same test on each candidate's own row and offers, for
    ranking the few hundred candidates a service leaves (computing the filter's sets over every
    instructor would cost more).
    """
    condition = Q()
    for word in words:
        in_text = Q(headline__icontains=word) | Q(bio__icontains=word)
        offers = InstructorService.objects.filter(description__icontains=word, is_active=True)
        if per_candidate:
            condition &= in_text | Exists(offers.filter(instructor=OuterRef("pk")))
        else:
            in_profile = InstructorProfile.objects.filter(in_text)
            condition &= Q(pk__in=in_profile.values("pk")) | Q(pk__in=offers.values("instructor_id"))
    return condition


def _words(filters: SearchFilters) -> list[str]:
    return [w for w in re.findall(r"[\w']{3,}", filters.free_text.lower())][:6]


def _matching(filters: SearchFilters, *, now: datetime) -> QuerySet:
    """Live instructors matching `filters`, without what cards show: the paginator counts this
    (compiling and running the card subqueries twice cost 10–20 ms a page)."""
    # catalog's definition of live: a live profile whose user account is active (one join on the user).
    queryset = live_instructors().alias(booking_notice_hours=_notice_hours()).filter(Exists(_offers(filters)))
    if filters.min_rating is not None:
        # Only a rating cards show can pass: fewer reviews than RATING_SHOWN_FROM read "New".
        queryset = queryset.filter(
            search_summary__rating_count__gte=RATING_SHOWN_FROM,
            search_summary__rating_sum__gte=F("search_summary__rating_count") * filters.min_rating,
        )
    if _place_applies(filters):
        queryset = queryset.filter(_place_q(filters))
    if filters.windows:
        queryset = queryset.filter(_open_in_windows(filters.windows, now=now))
    words = _words(filters)
    if words and not filters.service_id:
        queryset = queryset.filter(_free_text_q(words))
    return queryset


# The card's own columns, read by the page query (wide columns such as `bio` stay out of the sort).
_CARD_FIELDS = ("id", "public_id", "user_id", "headline", "photo_thumb", "is_founding", "status")

# ORDER BY of each sort over the page query's columns; relevance is `_RELEVANCE_SQL`, see `ranking`.
_ORDER_SQL = {
    Sort.PRICE_LOW: "price_from_cents, id",
    Sort.PRICE_HIGH: "price_from_cents DESC, id",
    Sort.RATING: "bayesian_rating DESC, rating_count DESC, id",
    Sort.DISTANCE: "distance_m ASC NULLS LAST, id",
    Sort.SOONEST: "next_available_at ASC NULLS LAST, id",
    Sort.RELEVANCE: "relevance DESC, id",
}


def _relevance_sql() -> str:
    """`ranking`'s relevance formula over the page query's columns (one copy of each input: the
    rating and lesson subqueries run once per candidate, not once per use)."""
    weights = ranking.WEIGHTS
    lessons_full = math.log(1 + ranking.LESSONS_FULL_MARKS)
    return (
        f"{weights['text']:f} * text_match"
        f" + {weights['rating']:f} * bayesian_rating / 5.0"
        f" + {weights['lessons']:f} * LEAST(1.0, LN(1.0 + completed_lessons) / {lessons_full!r})"
        f" + {weights['distance']:f} * COALESCE(1.0 / (1.0 + distance_m / {1000.0 * ranking.DISTANCE_HALF_KM!r}), 0.0)"
        f" + {weights['founding']:f} * (CASE WHEN is_founding THEN 1.0 ELSE 0.0 END)"
        f" + {weights['soon']:f} * COALESCE(1.0 / (1.0 + EXTRACT(EPOCH FROM next_available_at - %s::timestamptz)"
        f" / 3600.0 / {ranking.SOON_HALF_HOURS!r}), 0.0)"
    )


def _candidates(filters: SearchFilters, *, now: datetime) -> QuerySet:
    """Matching live instructors with the raw inputs of cards and ranking, one column each.

    Only compiled by the ORM (never evaluated): `search_instructors` wraps its SQL to rank, count and
    cut the page in one statement. PostgreSQL evaluates columns the ORDER BY does not need (for
    example the price when ranking by relevance) for the page's rows only.
    """
    words = _words(filters) if _effective_sort(filters) == Sort.RELEVANCE else []
    text_match = Value(0.0)
    if words and not filters.service_id:
        text_match = Value(1.0)  # the free text filtered the candidates: every one matches it
    elif words:
        # The free-text filter's own test (headline, bio or an offer's description), so an
        # instructor the words found also ranks as matching them.
        matches = _free_text_q(words, per_candidate=True)
        text_match = Case(When(matches, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    annotations = {
        "price_from_cents": Subquery(_offers(filters).order_by("hourly_rate_cents").values("hourly_rate_cents")[:1]),
        "next_available_at": _next_available(now),
        # Ratings and lessons as of the summary's last refresh (see InstructorSearchSummary).
        "rating_count": Coalesce(F("search_summary__rating_count"), 0),
        "rating_sum": Coalesce(F("search_summary__rating_sum"), 0),
        "bayesian_rating": Coalesce(F("search_summary__bayesian_rating"), ranking.PRIOR_MEAN),
        "completed_lessons": Coalesce(F("search_summary__completed_lessons"), 0),
        "text_match": text_match,
        "distance_m": (
            Distance("public_point", filters.distance_from)
            if filters.distance_from is not None
            else RawSQL("NULL::double precision", [], output_field=FloatField())
        ),
    }
    columns = dict.fromkeys([*_CARD_FIELDS, *annotations])
    return _matching(filters, now=now).order_by().annotate(**annotations).values(*columns)


def _effective_sort(filters: SearchFilters) -> str:
    """The sort asked for; relevance when it is unknown, or by distance without a place."""
    if filters.sort not in _ORDER_SQL or (filters.sort == Sort.DISTANCE and filters.distance_from is None):
        return Sort.RELEVANCE
    return filters.sort


# Compiled candidate statements by filters, with `now` as a stand-in (compiling one with the ORM
# costs 7–11 ms of CPU; the same search comes back with another `now` on every request).
_COMPILED: dict[tuple, tuple[str, tuple]] = {}
_COMPILED_MAX = 1000
_NOW_STAND_IN = datetime(1901, 1, 1, tzinfo=UTC)


def _filters_key(filters: SearchFilters) -> tuple:
    def plain(value):
        if isinstance(value, Point):
            return ("point", value.x, value.y, value.srid)
        if isinstance(value, list | tuple):
            return tuple(plain(item) for item in value)
        return value

    return tuple((name, plain(value)) for name, value in filters.__dict__.items())


def _candidates_sql(filters: SearchFilters, *, now: datetime) -> tuple[str, list]:
    """`_candidates`' SQL and parameters, compiled once per filters and reused with this `now`.

    The statement is compiled with a stand-in for `now` whose parameters are then replaced (times
    derived from `now`, such as now plus the notice, are computed in SQL from that parameter).
    Borough filters are compiled every time: their shape comes from the lookup tables, which follow
    catalog edits.
    """
    if filters.region:
        sql, params = _candidates(filters, now=now).query.sql_with_params()
        return sql, list(params)
    key = _filters_key(filters)
    if filters.neighborhood_slug:
        # The boundary is in the statement: a changed boundary is another statement.
        key += (lookup_tables().neighborhood_areas.get(filters.neighborhood_slug),)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = _candidates(filters, now=_NOW_STAND_IN).query.sql_with_params()
    sql, params = compiled
    return sql, [now if value == _NOW_STAND_IN else value for value in params]


def _page_sql(filters: SearchFilters, *, now: datetime) -> tuple[str, list]:
    inner, params = _candidates_sql(filters, now=now)
    sort = _effective_sort(filters)
    # Only constants and ORM-compiled SQL are interpolated; every value is a parameter.
    if sort == Sort.RELEVANCE:
        # A planner fence: a pulled-up subquery would repeat the next-open-time fallback probe per
        # use. Other sorts leave it out, so PostgreSQL computes what only cards show (price from,
        # next open time) for the page's rows alone.
        inner += " OFFSET 0"
    extra: list = []
    relevance = "0.0"
    if sort == Sort.RELEVANCE:
        relevance, extra = _relevance_sql(), [now]
    sql = (
        f"SELECT r.*, {relevance} AS relevance, COUNT(*) OVER () AS total FROM ({inner}) r"  # noqa: S608
        f" ORDER BY {_ORDER_SQL[sort]} LIMIT %s OFFSET %s"
    )
    return sql, [*extra, *params]  # the relevance's parameter comes first, in the SELECT list


def search_instructors(
    *, filters: SearchFilters, now: datetime, page: int = 1, per_page: int = PER_PAGE
) -> SearchResults:
    """A page of matching live instructors (never paused, suspended or onboarding ones).

    One statement ranks the candidates, counts them (a window count over the same scan) and cuts the
    page; cards are built from its rows (users and matched offers in one query each for the page).
    A page past the end shows the last page, as `Paginator.get_page` does.
    """
    sql, params = _page_sql(filters, now=now)
    number = max(1, int(page or 1))
    rows, total = _fetch_page(sql, params, number=number, per_page=per_page)
    if not rows and number > 1:
        count = _matching(filters, now=now).count()
        number = max(1, math.ceil(count / per_page))
        rows, total = _fetch_page(sql, params, number=number, per_page=per_page)
    paginator = Paginator(range(total), per_page)
    paginator.count = total  # `count` is a cached property: this is its value
    cards = _with_matched_offers(_cards(rows), filters)
    return SearchResults(page=Page(cards, number, paginator), filters=filters)


def search_has_results(*, filters: SearchFilters, now: datetime) -> bool:
    """Whether `search_instructors` would find anyone (one EXISTS, no ranking)."""
    return _matching(filters, now=now).exists()


def _fetch_page(sql: str, params: list, *, number: int, per_page: int) -> tuple[list[dict], int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, per_page, (number - 1) * per_page])
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows, (rows[0]["total"] if rows else 0)


_PROFILE_ATTNAMES = [f.attname for f in InstructorProfile._meta.concrete_fields if f.attname in _CARD_FIELDS]


def _cards(rows: list[dict]) -> list[InstructorProfile]:
    """Profile instances (other fields deferred) carrying the card's figures, with their users."""
    users = {
        user.pk: user
        for user in User.objects.raw(
            "SELECT id, full_name, timezone FROM accounts_user WHERE id = ANY(%s)", [[row["user_id"] for row in rows]]
        )
    } if rows else {}  # fmt: skip
    cards = []
    for row in rows:
        card = InstructorProfile.from_db("default", _PROFILE_ATTNAMES, [row[name] for name in _PROFILE_ATTNAMES])
        card.user = users[row["user_id"]]
        card.price_from_cents = row["price_from_cents"]
        card.next_available_at = row["next_available_at"]
        card.rating_count = row["rating_count"]
        card.rating_sum = row["rating_sum"]
        card.completed_lessons = row["completed_lessons"]
        card.bayesian_rating = row["bayesian_rating"]
        card.average_rating = card.rating_sum / card.rating_count if card.rating_count else None
        card.distance_m = D(m=row["distance_m"]) if row["distance_m"] is not None else None
        card.relevance = row["relevance"]
        cards.append(card)
    return cards


def _with_matched_offers(cards: list[InstructorProfile], filters: SearchFilters) -> list[InstructorProfile]:
    """Each card's cheapest matching offer (service name and slug, location types), in one query for
    the page rather than three correlated subqueries per card."""
    offers = (
        _offers(filters, instructors={"instructor__in": [card.pk for card in cards]})
        .order_by("instructor_id", "hourly_rate_cents", "pk")
        .distinct("instructor_id")
        .values_list("instructor_id", "service__name", "service__slug", "location_types")
    )
    matched = {instructor_id: rest for instructor_id, *rest in offers} if cards else {}
    for card in cards:
        card.matched_service_name, card.matched_service_slug, card.matched_location_types = matched.get(
            card.pk, (None, None, [])
        )
    return cards
