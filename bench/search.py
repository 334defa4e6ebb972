"""Search benchmark (not a test): server time of realistic queries through the real view.

    DATABASE_URL=... python bench/search.py [--instructors 10000] [--repeat 5]

Runs `seed_demo --instructors N` first (the catalog's bulk seeder; it is idempotent), then prints
p50/p95/p99 of the search page's server time over the queries below and EXPLAIN ANALYZE of the
heaviest ones. Target: p95 < 80 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Measure the search, not the static manifest (which `collectstatic` builds for production).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import InstructorProfile  # noqa: E402

QUERIES = [
    "piano",
    "pianno",
    "guitr lessons",
    "violn for kids",
    "spanish online",
    "swim coach near me",
    "piano lessons for my 8 year old in park slope under $90 saturday morning",
    "math tutor for my 15 year old",
    "chess for kids in williamsburg",
    "tennis in astoria weekends",
    "yoga this weekend",
    "french tomorrow after 5pm",
    "sat prep in manhattan",
    "drums at your studio in brooklyn",
    "coding for teens online under $60",
    "ballet for toddlers",
    "voice lessons 11215",
    "painting in queens",
    "guitar $50-80",
    "piano sort=soonest",
    "patient teacher",
    "english as a second language for adults",
    "personal trainer at my home upper west side",
    "mandarin weekday evenings",
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--instructors", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    if not args.no_seed:
        call_command("seed_demo", instructors=args.instructors)
    live = InstructorProfile.objects.filter(status="live").count()
    print(f"live instructors: {live}")
    if live < args.instructors // 2:
        print("WARNING: fewer instructors than asked; is the catalog's bulk seeder merged into seed_demo?")

    client = Client(HTTP_HOST="localhost")
    timings: dict[str, list[float]] = {}
    heaviest_sql: dict[str, tuple[float, str]] = {}
    for _ in range(args.repeat):
        for query in QUERIES:
            params = {"q": query}
            if query.endswith("sort=soonest"):
                params = {"q": query.removesuffix(" sort=soonest"), "sort": "soonest"}
            if "near me" in query:
                params.update(lat="40.6712", lng="-73.9776")
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/search/", params, follow=True)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (query, response.status_code)
            timings.setdefault(query, []).append(elapsed)
            slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
            if float(slowest["time"]) * 1000 > heaviest_sql.get(query, (0, ""))[0]:
                heaviest_sql[query] = (float(slowest["time"]) * 1000, slowest["sql"])

    every = [value for values in timings.values() for value in values]
    print(f"\n{len(QUERIES)} queries × {args.repeat} runs (server time incl. redirect, ms)")
    print(f"p50 {percentile(every, 0.50):.1f}  p95 {percentile(every, 0.95):.1f}  p99 {percentile(every, 0.99):.1f}")
    print("\nper query (median ms):")
    for query, values in sorted(timings.items(), key=lambda item: -statistics.median(item[1])):
        print(f"  {statistics.median(values):7.1f}  {query}")

    print("\nEXPLAIN ANALYZE of the heaviest statements:")
    for query, (ms, sql) in sorted(heaviest_sql.items(), key=lambda item: -item[1][0])[:3]:
        print(f"\n--- {query} ({ms:.1f} ms) ---")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
