"""Demo instructors for `manage.py seed_demo`: live, varied, and meeting the product's own go-live
rules — a headline, a bio built from parts, a photo (a few portraits generated with Pillow and
shared), priced offers with varied levels, durations and places, a studio address from the
gazetteer for studio lessons, neighborhoods (and sometimes a travel radius), an approved
verification, a status event, and payouts (below).

Written in bulk so `seed_demo --instructors 50000` takes minutes. Idempotent: existing demo
instructors are kept and only the missing ones are added; instructor number n is always made the
same way (its own random generator), so topping up gives what one run would have.

Payouts: going live needs a Stripe Connect account that can receive money. The demo run
(`seed_demo` without `--instructors`, as `make run` does it) gives each demo instructor one through
payments' own functions (`connect_account_ensure`, then the local Stripe server's test helper
finishes the onboarding, then `connect_account_refresh`), on the local Stripe server only: the
running one, or one started for the purpose on the port STRIPE_API_BASE names with `make run`'s
state file, so the server `make run` starts next knows the accounts. Runs with `--instructors`
(benchmarks, tests) and runs where that is impossible (Stripe is not local, the port is taken) skip
payouts, put the demo login live anyway, and say so in the report.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import urllib.parse
import urllib.request
from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone

from catalog.models import (
    AgeGroup,
    InstructorNeighborhood,
    InstructorProfile,
    InstructorService,
    InstructorStatusEvent,
    Level,
    LocationType,
    Neighborhood,
    Service,
    ServicePrice,
    VerificationRequest,
)

DEMO_EMAIL_DOMAIN = "teach.demo.instainstru.com"
DEMO_INSTRUCTOR_EMAIL = "instructor@demo.instainstru.com"
DEFAULT_DEMO_INSTRUCTORS = 200
PORTRAITS = 24
STRIPE_STATE_FILE = "var/stripe-state.json"  # the Procfile's stripe process loads it

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "David",
    "Elena",
    "Farah",
    "Gabe",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
]
LAST_NAMES = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jones",
    "Kim",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Walsh",
]
ADJECTIVES = [
    "Patient",
    "Friendly",
    "Experienced",
    "Energetic",
    "Calm, clear",
    "Certified",
    "Award-winning",
    "Encouraging",
    "Conservatory-trained",
    "Down-to-earth",
]
HEADLINE_ENDINGS = ["", " for all levels", " for beginners", " in {hood}", " with {years} years' experience"]
OPENERS = [
    "I have taught {subject} for {years} years, most of them here in New York.",
    "{Subject} has been my life for {years} years, and teaching it is my favourite part.",
    "After {years} years of teaching {subject}, I still love the moment something clicks for a student.",
    "I started teaching {subject} {years} years ago and have worked with hundreds of students since.",
]
APPROACHES = [
    "My lessons are structured but relaxed: we set a goal together and check progress every week.",
    "I adapt every lesson to how you learn, with clear explanations and plenty of practice.",
    "Expect honest feedback, small steps and a lot of encouragement.",
    "We work on technique and on the things you actually want to do, in the same lesson.",
]
FOR_KIDS = [
    "Kids enjoy the games I use to keep practice fun, and parents get a short note after each lesson.",
    "I love teaching children: short, lively exercises keep them curious.",
]
FOR_ADULTS = [
    "Many of my students are adults coming back to something they loved as kids.",
    "Busy professionals like that every minute of the lesson counts.",
]
CLOSINGS = [
    "Beginners are very welcome.",
    "Tell me about your goals when you book.",
    "Lessons in {languages}.",
    "I look forward to meeting you.",
]
LANGUAGE_SETS = [
    ["English"],
    ["English"],
    ["English", "Spanish"],
    ["English", "French"],
    ["English", "Mandarin"],
    ["English", "Russian"],
    ["English", "Portuguese"],
]
LEVEL_SETS = [
    [Level.BEGINNER],
    [Level.BEGINNER, Level.INTERMEDIATE],
    [Level.INTERMEDIATE, Level.ADVANCED],
    [Level.BEGINNER, Level.INTERMEDIATE, Level.ADVANCED],
]
IN_PERSON_HOURLY = [8000, 8500, 9000, 10000, 12000, 15000]
ONLINE_HOURLY = [6000, 6500, 7500, 9000]
DURATION_SETS = [(30, 60), (45, 60, 90), (60,), (30, 60, 90), (60, 90)]
KEEP_CASE = {
    "Python",
    "Excel",
    "Scratch",
    "SAT",
    "ACT",
    "American",
    "Mandarin",
    "English",
    "Spanish",
    "French",
    "Italian",
    "German",
    "Japanese",
    "Korean",
    "Portuguese",
    "Arabic",
}


def demo_instructor_count(instructors: int | None) -> int:
    """How many demo instructors a run makes: `--instructors`, else the demo's 200."""
    return DEFAULT_DEMO_INSTRUCTORS if instructors is None else instructors


def seed_demo_catalog(instructors=None, **_options) -> list[str]:
    """Reference data, the demo instructors in bulk, and the demo login's own piano offer."""
    from catalog.seed import seed_catalog, seed_neighborhoods

    seed_neighborhoods()
    seed_catalog()
    wanted = demo_instructor_count(instructors)
    now = timezone.now()
    created = _bulk_demo_instructors(wanted, now=now)
    login = _demo_login_instructor(now=now)
    lines = [
        _demo_payouts(now=now) if instructors is None else "Payouts: skipped (--instructors: a benchmark or test run)."
    ]
    if login is not None:
        lines.append(_demo_login_go_live(login, now=now))
    live = InstructorProfile.objects.filter(status=InstructorProfile.Status.LIVE).count()
    return [f"Catalog: {Service.objects.count()} services, {live} live instructors ({created} new).", *lines]


# --- Pieces ------------------------------------------------------------------------------------


def _subject(service: Service) -> str:
    return service.name if service.name.split()[0] in KEEP_CASE else service.name.lower()


def _headline(rng: random.Random, service: Service, *, hood: str, years: int) -> str:
    ending = rng.choice(HEADLINE_ENDINGS).format(hood=hood, years=years)
    return f"{rng.choice(ADJECTIVES)} {_subject(service)} teacher{ending}"[:120]


def _bio(rng: random.Random, service: Service, *, years: int, kids: bool, languages: list[str]) -> str:
    subject = _subject(service)
    parts = [
        rng.choice(OPENERS).format(subject=subject, Subject=subject[:1].upper() + subject[1:], years=years),
        rng.choice(APPROACHES),
        rng.choice(FOR_KIDS if kids else FOR_ADULTS),
        rng.choice(CLOSINGS).format(languages=" and ".join(languages)),
    ]
    return " ".join(parts)


def demo_portrait(index: int) -> ContentFile:
    """A made-up portrait (flat shapes in one of a few palettes), as a PNG upload."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"portrait-{index}")  # noqa: S311 - demo pictures
    background = tuple(rng.randint(120, 230) for _ in range(3))
    skin = rng.choice([(241, 194, 167), (224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172)])
    hair = rng.choice([(40, 30, 20), (90, 60, 30), (200, 160, 80), (20, 20, 20), (150, 80, 40)])
    shirt = tuple(rng.randint(30, 160) for _ in range(3))
    image = Image.new("RGB", (720, 720), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 470, 570, 900), fill=shirt)
    draw.ellipse((235, 135, 485, 420), fill=hair)
    draw.ellipse((255, 175, 465, 425), fill=skin)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return ContentFile(out.getvalue(), name=f"demo-portrait-{index:02d}.png")


def _portraits() -> list[dict[str, str]]:
    """The shared demo portraits' stored names ({field: name}), made once through the real photo
    pipeline (validated, re-encoded, EXIF-free) and reused by every later run."""
    from catalog import photos

    made = []
    for index in range(PORTRAITS):
        names = {
            "photo": f"instructors/photos/demo-portrait-{index:02d}.jpg",
            "photo_thumb": f"instructors/photos/demo-portrait-{index:02d}-thumb.jpg",
            "photo_original": f"instructors/originals/demo-portrait-{index:02d}-original.png",
        }
        storages = {attr: InstructorProfile._meta.get_field(attr).storage for attr in names}
        if not all(storages[attr].exists(name) for attr, name in names.items()):
            processed = photos.photo_process(demo_portrait(index))
            contents = {"photo": processed.large, "photo_thumb": processed.thumb, "photo_original": processed.original}
            for attr, name in names.items():
                if storages[attr].exists(name):
                    storages[attr].delete(name)
                names[attr] = storages[attr].save(name, contents[attr])
        made.append(names)
    return made


def _places_by_neighborhood() -> dict[str, list[tuple[str, Point]]]:
    """Gazetteer addresses grouped by the neighborhood they lie in (studios are put at one)."""
    from catalog.geocoding import _gazetteer, neighborhood_slug_for_point

    grouped: dict[str, list[tuple[str, Point]]] = {}
    for place in _gazetteer()["places"]:
        point = Point(*place["point"], srid=4326)
        slug = neighborhood_slug_for_point(point)
        if slug:
            grouped.setdefault(slug, []).append((f"{place['label']}, {place['region']}", point))
    return grouped


# --- The bulk of them ----------------------------------------------------------------------------


def _bulk_demo_instructors(wanted: int, *, now: datetime) -> int:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import INSTRUCTORS_GROUP, STUDENTS_GROUP, User
    from accounts.seed import DEMO_PASSWORD
    from catalog.services import instructors_rebuild_coverage, jittered_point

    existing = User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).count()
    if existing >= wanted:
        return 0
    services = list(Service.objects.select_related("category"))
    hoods = list(Neighborhood.objects.all())
    places = _places_by_neighborhood()
    studio_hoods = [hood for hood in hoods if hood.slug in places]
    portraits = _portraits()
    password = make_password(DEMO_PASSWORD)
    groups = [Group.objects.get_or_create(name=name)[0] for name in (STUDENTS_GROUP, INSTRUCTORS_GROUP)]
    reviewer = User.objects.filter(email="staff@demo.instainstru.com").first()
    made = 0
    for start in range(existing, wanted, 2000):
        numbers = list(range(start, min(start + 2000, wanted)))
        users = User.objects.bulk_create([
            User(email=f"instructor{n:05d}@{DEMO_EMAIL_DOMAIN}", password=password, timezone="America/New_York",
                 full_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7) % len(LAST_NAMES)]}")
            for n in numbers
        ])  # fmt: skip
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        )
        through = User.groups.through
        through.objects.bulk_create([through(user_id=u.pk, group_id=g.pk) for u in users for g in groups])
        plans = [_plan(n, services=services, hoods=hoods, studio_hoods=studio_hoods, places=places) for n in numbers]
        profiles = [
            InstructorProfile(user=user, status=InstructorProfile.Status.LIVE, went_live_at=now,
                              **plan["profile"], **portraits[n % PORTRAITS])
            for n, user, plan in zip(numbers, users, plans, strict=True)
        ]  # fmt: skip
        for profile in profiles:  # the public id exists before the insert
            anchor = profile.studio_point or profile.base_point
            profile.public_point = jittered_point(point=anchor, public_id=profile.public_id)
        profiles = InstructorProfile.objects.bulk_create(profiles)
        offers, prices, links = [], [], []
        for profile, plan in zip(profiles, plans, strict=True):
            for offer in plan["offers"]:
                offers.append(InstructorService(instructor=profile, **offer["fields"]))
                prices.append(offer["prices"])
            links += [InstructorNeighborhood(instructor=profile, neighborhood=hood) for hood in plan["hoods"]]
        offers = InstructorService.objects.bulk_create(offers)
        ServicePrice.objects.bulk_create([
            ServicePrice(offer=offer, duration_minutes=minutes, price_cents=cents)
            for offer, offer_prices in zip(offers, prices, strict=True) for minutes, cents in offer_prices.items()
        ])  # fmt: skip
        InstructorNeighborhood.objects.bulk_create(links, ignore_conflicts=True)
        VerificationRequest.objects.bulk_create([
            VerificationRequest(instructor=p, status=VerificationRequest.Status.APPROVED, submitted_at=now,
                                decided_at=now, decided_by=reviewer)
            for p in profiles
        ])  # fmt: skip
        InstructorStatusEvent.objects.bulk_create([
            InstructorStatusEvent(instructor=p, from_status=InstructorProfile.Status.ONBOARDING,
                                  to_status=InstructorProfile.Status.LIVE, reason="Demo data", created_at=now)
            for p in profiles
        ])  # fmt: skip
        instructors_rebuild_coverage(instructor_ids=[p.pk for p in profiles])
        made += len(profiles)
    return made


def _plan(n: int, *, services, hoods, studio_hoods, places) -> dict:
    """Everything about demo instructor number n, from its own random generator."""
    rng = random.Random(n)  # noqa: S311 - demo data
    kids = n % 5 == 0  # a fifth of them teach kids
    years = rng.randint(1, 30)
    languages = rng.choice(LANGUAGE_SETS)
    chosen = rng.sample(services, rng.randint(1, 3))
    offers, all_types = [], set()
    for service in chosen:
        if rng.random() < 0.25:
            types = [LocationType.ONLINE]
        else:
            types = rng.sample([LocationType.STUDENT_PLACE, LocationType.STUDIO, LocationType.ONLINE,
                                LocationType.NEUTRAL], rng.randint(1, 2))  # fmt: skip
        in_person = bool(set(types) & LocationType.in_person())
        hourly = rng.choice(IN_PERSON_HOURLY if in_person else ONLINE_HOURLY)
        offer_prices = {minutes: hourly * minutes // 60 for minutes in rng.choice(DURATION_SETS)}
        ages = [AgeGroup.ADULTS] + ([AgeGroup.TEENS] if rng.random() < 0.6 else []) + ([AgeGroup.KIDS] if kids else [])
        offers.append({
            "fields": {"service": service, "age_groups": sorted(ages), "levels": sorted(rng.choice(LEVEL_SETS)),
                       "location_types": sorted(types),
                       "hourly_rate_cents": min(c * 60 // m for m, c in offer_prices.items())},
            "prices": offer_prices,
        })  # fmt: skip
        all_types.update(types)
    home = rng.choice(studio_hoods)
    travel_hoods = [home] + rng.sample(hoods, rng.randint(0, 3))
    profile = {
        "headline": _headline(rng, chosen[0], hood=home.name, years=years),
        "bio": _bio(rng, chosen[0], years=years, kids=kids, languages=languages),
        "years_experience": years,
        "languages": languages,
        "is_founding": rng.random() < 0.05,
        "teaches_kids": kids,
        "booking_mode": InstructorProfile.BookingMode.REQUEST if rng.random() < 0.15 else "instant",
        "base_point": home.center,
        "base_address": f"{home.name}, {home.region}",
        "travel_radius_m": rng.choice([None, None, 1500, 3000, 5000]),
    }
    if LocationType.STUDIO in all_types:
        label, point = rng.choice(places[home.slug])
        profile.update(studio_address=label, studio_point=point, studio_neighborhood=home)
    return {"profile": profile, "offers": offers, "hoods": list({hood.pk: hood for hood in travel_hoods}.values())}


# --- Payouts -------------------------------------------------------------------------------------


def _demo_instructors_without_payouts():
    from payments.models import ConnectAccount  # read only: which demo instructors have an account

    demo = InstructorProfile.objects.filter(user__email__endswith="@" + DEMO_EMAIL_DOMAIN) | (
        InstructorProfile.objects.filter(user__email=DEMO_INSTRUCTOR_EMAIL)
    )
    ready = ConnectAccount.objects.filter(transfers_active=True, payouts_enabled=True).values("instructor")
    return demo.exclude(pk__in=ready).select_related("user").order_by("pk")


def _local_stripe_url() -> str | None:
    url = urllib.parse.urlsplit(settings.STRIPE_API_BASE)
    return settings.STRIPE_API_BASE.rstrip("/") if url.hostname in ("127.0.0.1", "localhost") else None


def _stripe_answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/_local/clock", timeout=2):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _local_stripe_server(base_url: str):
    """The local Stripe server at `base_url`: the running one, or one started until the block ends
    (on that port, with make run's state file, which it saves when it stops)."""
    if _stripe_answers(base_url):
        yield
        return
    from pathlib import Path

    from stripe_server.testing import LocalStripe

    Path(STRIPE_STATE_FILE).parent.mkdir(exist_ok=True)
    server = LocalStripe(state_file=STRIPE_STATE_FILE).start(port=urllib.parse.urlsplit(base_url).port or 12111)
    try:
        yield
    finally:
        server.stop()


def _finish_local_onboarding(base_url: str, account_id: str) -> None:
    """The local Stripe server's test helper for "the instructor completed Stripe's onboarding"."""
    request = urllib.request.Request(  # noqa: S310 - loopback, our own dev server
        f"{base_url}/_local/accounts/{account_id}/enable", data=json.dumps({}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310
        pass


def _demo_payouts(*, now: datetime) -> str:
    from payments.services import connect_account_ensure, connect_account_refresh

    pending = list(_demo_instructors_without_payouts())
    if not pending:
        return "Payouts: every demo instructor can be paid."
    base_url = _local_stripe_url()
    if base_url is None:
        return f"Payouts: skipped for {len(pending)} demo instructors (STRIPE_API_BASE is not the local server)."
    try:
        with _local_stripe_server(base_url):
            for profile in pending:
                account = connect_account_ensure(instructor=profile, now=now)
                _finish_local_onboarding(base_url, account.account_id)
                connect_account_refresh(instructor=profile, now=now)
    except (OSError, RuntimeError) as error:  # the port is taken by something else, the server died
        return f"Payouts: not set up ({error}); run `manage.py seed_demo` again to finish them."
    return f"Payouts: {len(pending)} demo instructors set up on the local Stripe server."


# --- The demo login ------------------------------------------------------------------------------


def _demo_login_instructor(*, now: datetime) -> InstructorProfile | None:
    """The demo login (accounts.seed) set up as a piano teacher in Park Slope through the same
    services as any instructor; it goes live (`_demo_login_go_live`) once its payouts are set up.
    Returns None when there is no such login or it has left onboarding already."""
    from accounts.models import User
    from catalog import services
    from catalog.verification import verification_decide, verification_start

    user = User.objects.filter(email=DEMO_INSTRUCTOR_EMAIL).first()
    if user is None:
        return None
    profile = services.instructor_profile_start(user=user)
    if profile.status != InstructorProfile.Status.ONBOARDING:
        return None
    services.instructor_update_profile(
        instructor=profile, headline="Piano for beginners and returning players",
        bio="I have taught piano in Brooklyn for twelve years: classical, pop and jazz, kids and adults. "
        "Lessons at your place or online, with a plan that fits your week.",
        years_experience=12, languages=["English", "Spanish"],
    )  # fmt: skip
    if not profile.photo:
        services.instructor_set_photo(instructor=profile, upload=demo_portrait(PORTRAITS))
    services.offer_save(instructor=profile, service=Service.objects.get(slug="piano"), age_groups=["kids", "adults"],
                        levels=["beginner", "intermediate"], location_types=["student_place", "online"],
                        prices={30: 4500, 60: 9000})  # fmt: skip
    services.instructor_set_service_area(instructor=profile, neighborhood_slugs=["park-slope", "windsor-terrace"])
    started = verification_start(instructor=profile, now=now).request
    if started.status == VerificationRequest.Status.PENDING:
        reviewer = User.objects.filter(email="staff@demo.instainstru.com").first()
        verification_decide(verification=started, approve=True, decided_by=reviewer, now=now)
    return profile


def _demo_login_go_live(profile: InstructorProfile, *, now: datetime) -> str:
    from catalog import services
    from catalog.onboarding import missing_for_go_live

    profile.refresh_from_db()
    missing = missing_for_go_live(profile)
    if not missing:
        services.instructor_go_live(instructor=profile, now=now, actor=profile.user)
        return f"{DEMO_INSTRUCTOR_EMAIL} is live."
    if {check.key for check in missing} != {"payouts"}:
        return f"{DEMO_INSTRUCTOR_EMAIL} stays in onboarding: " + " ".join(c.missing_message(profile) for c in missing)
    # Payouts were skipped (see above): the demo login is live regardless, as the bulk demo
    # instructors are, so the demo can be booked; the status event says why.
    reason = "Demo data, live without: " + ", ".join(check.label for check in missing)
    InstructorStatusEvent.objects.create(
        instructor=profile, from_status=profile.status, to_status=InstructorProfile.Status.LIVE, reason=reason,
        created_at=now,
    )  # fmt: skip
    InstructorProfile.objects.filter(pk=profile.pk).update(status=InstructorProfile.Status.LIVE, went_live_at=now)
    return f"{DEMO_INSTRUCTOR_EMAIL} is live without: " + ", ".join(check.label for check in missing) + "."
