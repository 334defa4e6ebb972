"""Reference data (NYC neighborhoods, the catalog, price floors) and demo instructors.

Everything here is idempotent: running it twice adds nothing the second time.
"""

from __future__ import annotations

from django.utils.text import slugify

from catalog.catalog_data import CATEGORIES, SERVICES
from catalog.geocoding import gazetteer_neighborhoods
from catalog.models import (
    Category,
    InstructorNeighborhood,
    InstructorProfile,
    LocationType,
    Neighborhood,
    PriceFloor,
    Service,
)
from catalog.selectors import DEFAULT_HOURLY_FLOOR_CENTS


def seed_neighborhoods() -> int:
    """The approximate NYC neighborhoods from the bundled gazetteer (see catalog/data). The gazetteer
    is the source of the shapes it names: a neighborhood whose polygon or centre changed there is
    updated, and the coverage of instructors who travel there is rebuilt."""
    from catalog.services import instructors_rebuild_coverage

    existing = {hood.slug: hood for hood in Neighborhood.objects.all()}
    new, changed = [], []
    for h in gazetteer_neighborhoods():
        row = existing.get(h.slug)
        if row is None:
            new.append(Neighborhood(slug=h.slug, name=h.name, region=h.region, boundary=h.boundary, center=h.center))
        elif not (row.boundary.equals_exact(h.boundary, 1e-9) and row.center.equals_exact(h.center, 1e-9)):
            row.boundary, row.center = h.boundary, h.center
            changed.append(row)
    Neighborhood.objects.bulk_create(new)
    if changed:
        Neighborhood.objects.bulk_update(changed, ["boundary", "center"])
        affected = InstructorNeighborhood.objects.filter(neighborhood__in=changed).values_list("instructor", flat=True)
        instructors_rebuild_coverage(instructor_ids=list(set(affected)))
    return len(new)


def seed_catalog() -> int:
    """Categories, services with aliases, and the default price floors per location type."""
    created = 0
    for order, (slug, name, subtitle, icon, is_kids) in enumerate(CATEGORIES, start=1):
        category, made = Category.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "subtitle": subtitle, "icon_name": icon, "is_kids": is_kids,
                      "display_order": order * 10},
        )  # fmt: skip
        created += made
        if is_kids:
            continue
        for service_order, (service_name, aliases, description) in enumerate(SERVICES[slug], start=1):
            service, made = Service.objects.get_or_create(
                slug=slugify(service_name),
                defaults={"category": category, "name": service_name, "aliases": aliases,
                          "description": description, "display_order": service_order * 10},
            )  # fmt: skip
            created += made
            if not service.description:  # seeded before descriptions existed; staff text is kept
                Service.objects.filter(pk=service.pk).update(description=description)
        for location_type in LocationType.values:
            PriceFloor.objects.get_or_create(
                category=category,
                location_type=location_type,
                defaults={"hourly_floor_cents": DEFAULT_HOURLY_FLOOR_CENTS[location_type]},
            )
    return created


def seed_reference_data(**_options) -> list[str]:
    hoods = seed_neighborhoods()
    rows = seed_catalog()
    return [f"Catalog: {rows} new categories/services, {hoods} new neighborhoods."]


# --- Demo instructors ---------------------------------------------------------------------------

DEMO_EMAIL_DOMAIN = "teach.demo.instainstru.com"
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
HEADLINES = [
    "Patient, fun lessons for every level",
    "Conservatory-trained and friendly",
    "Ten years of teaching in New York",
    "Clear steps, real progress",
    "Lessons built around your goals",
]


def seed_demo_catalog(instructors=None, **_options) -> list[str]:
    """Reference data, `instructors` (default 200) live demo instructors in bulk, and the
    demo instructor's own piano offer. Idempotent: existing demo instructors are kept."""
    seed_neighborhoods()
    seed_catalog()
    wanted = 200 if instructors is None else instructors
    created = _bulk_demo_instructors(wanted)
    _demo_instructor_piano()
    live = InstructorProfile.objects.filter(status=InstructorProfile.Status.LIVE).count()
    return [f"Catalog: {Service.objects.count()} services, {live} live instructors ({created} new)."]


def _bulk_demo_instructors(wanted: int) -> int:
    import random

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import INSTRUCTORS_GROUP, STUDENTS_GROUP, User
    from accounts.seed import DEMO_PASSWORD
    from catalog.models import InstructorNeighborhood, InstructorService, ServicePrice
    from catalog.services import instructors_rebuild_coverage, jittered_point

    existing = User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).count()
    rng = random.Random(existing)  # noqa: S311 - demo data
    services = list(Service.objects.select_related("category"))
    hoods = list(Neighborhood.objects.all())
    password = make_password(DEMO_PASSWORD)
    groups = [Group.objects.get_or_create(name=name)[0] for name in (STUDENTS_GROUP, INSTRUCTORS_GROUP)]
    batch = 2000
    made = 0
    from django.utils import timezone

    now = timezone.now()
    for start in range(existing, wanted, batch):
        numbers = range(start, min(start + batch, wanted))
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
        profiles = []
        for u in users:
            hood = rng.choice(hoods)
            profiles.append(InstructorProfile(
                user=u, status=InstructorProfile.Status.LIVE, headline=rng.choice(HEADLINES),
                bio=("I love helping students reach their goals with structured, encouraging lessons. " * 2).strip(),
                years_experience=rng.randint(1, 30), languages=rng.choice([["English"], ["English", "Spanish"],
                ["English", "French"], ["English", "Mandarin"]]), is_founding=rng.random() < 0.05,
                teaches_kids=rng.random() < 0.2, went_live_at=now, base_point=hood.center,
                travel_radius_m=rng.choice([None, 1500, 3000, 5000]),
            ))  # fmt: skip
        profiles = InstructorProfile.objects.bulk_create(profiles)
        offers, links = [], []
        for p in profiles:
            p.public_point = jittered_point(point=p.base_point, public_id=p.public_id)
            for service in rng.sample(services, rng.randint(1, 3)):
                online_only = rng.random() < 0.25
                types = ["online"] if online_only else rng.sample(["student_place", "studio", "online", "neutral"], 2)
                hourly = rng.choice([8000, 9000, 10000, 12000, 15000]) if not online_only else rng.choice([6000, 7500])
                ages = ["adults", "teens"] + (["kids"] if p.teaches_kids else [])
                offers.append(InstructorService(instructor=p, service=service, age_groups=ages,
                                                levels=["beginner", "intermediate"], location_types=sorted(types),
                                                hourly_rate_cents=hourly))  # fmt: skip
            for hood in rng.sample(hoods, rng.randint(1, 4)):
                links.append(InstructorNeighborhood(instructor=p, neighborhood=hood))
        InstructorProfile.objects.bulk_update(profiles, ["public_point"])
        offers = InstructorService.objects.bulk_create(offers)
        ServicePrice.objects.bulk_create([
            ServicePrice(offer=o, duration_minutes=m, price_cents=o.hourly_rate_cents * m // 60)
            for o in offers for m in (30, 60, 90) if m != 90 or o.hourly_rate_cents >= 9000
        ])  # fmt: skip
        InstructorNeighborhood.objects.bulk_create(links, ignore_conflicts=True)
        instructors_rebuild_coverage(instructor_ids=[p.pk for p in profiles])
        made += len(profiles)
    return made


def _demo_instructor_piano() -> None:
    """The demo instructor (accounts.seed) becomes a live piano teacher in Park Slope."""
    from accounts.models import User
    from catalog.services import instructor_set_service_area, offer_save

    user = User.objects.filter(email="instructor@demo.instainstru.com").first()
    if user is None:
        return
    profile, _ = InstructorProfile.objects.get_or_create(user=user)
    if profile.status == InstructorProfile.Status.LIVE:
        return
    profile.headline = "Piano for beginners and returning players"
    profile.bio = "I have taught piano in Brooklyn for twelve years: classical, pop and jazz, kids and adults."
    profile.years_experience = 12
    profile.languages = ["English", "Spanish"]
    profile.save()
    offer_save(instructor=profile, service=Service.objects.get(slug="piano"), age_groups=["kids", "adults"],
               levels=["beginner", "intermediate"], location_types=["student_place", "online"],
               prices={30: 4500, 60: 9000})  # fmt: skip
    instructor_set_service_area(instructor=profile, neighborhood_slugs=["park-slope", "windsor-terrace"])
    from django.utils import timezone

    InstructorProfile.objects.filter(pk=profile.pk).update(
        status=InstructorProfile.Status.LIVE, went_live_at=timezone.now()
    )  # the demo skips verification on purpose
