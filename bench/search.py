"""Search benchmark (not a test): server time of realistic queries through the real view.

    DATABASE_URL=postgis://.../instainstru_me python bench/search.py [--instructors 10000] [--repeat 5]

Works on its own database, `<name of DATABASE_URL's database>_bench` (created and migrated when
missing; never the test database), runs `seed_demo --instructors N` there (idempotent: the second
run only tops up), then requests the search page in-process through Django's full handler
(middleware, sessions, templates) the way a browser does: the typed query, and the understood
URL it is redirected to. It prints p50/p95/p99 of the server time a person waits for (both hops),
each query's median with its number of SQL statements, and EXPLAIN ANALYZE of the heaviest
statements. Target: p95 < 80 ms.

`--repair-jobs` also times the two hourly repair jobs over every instructor of that database:
availability's `open_time_repair_all` (one transaction per instructor) and search's
`search_summaries_repair` (one statement). They rewrite the benchmark database's open time as of now.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")
# Measure the search, not the static manifest (which `collectstatic` builds for production).
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")


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
    parser.add_argument("--plans", type=int, default=3, help="how many EXPLAIN ANALYZE plans to print")
    parser.add_argument("--repair-jobs", action="store_true", help="also time the hourly repair jobs")
    args = parser.parse_args()
    from bench._database import use_benchmark_database

    database = use_benchmark_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import InstructorProfile

    print(f"database: {database}")
    if not args.no_seed:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", instructors=args.instructors, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo --instructors {args.instructors}: {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    live = InstructorProfile.objects.filter(status="live").count()
    print(f"live instructors: {live}")

    client = Client(HTTP_HOST="localhost")
    client.get("/search/", {"q": "warm up"}, follow=True)  # first request: URL resolver, templates
    timings: dict[str, list[float]] = {}
    statements: dict[str, int] = {}
    heaviest_sql: dict[str, tuple[float, str]] = {}
    cpu: list[float] = []  # CPU time of this (Django) process: what contention does not inflate
    sql: list[float] = []  # time waiting for PostgreSQL
    first_hop: list[float] = []  # the redirects from the typed query to its understood URL
    results_hop: list[float] = []  # the results page's own request
    for _ in range(args.repeat):
        for query in QUERIES:
            params = {"q": query}
            if query.endswith("sort=soonest"):
                params = {"q": query.removesuffix(" sort=soonest"), "sort": "soonest"}
            if "near me" in query:
                params.update(lat="40.6712", lng="-73.9776")
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get("/search/", params)
                redirected_at = time.perf_counter()
                # The typed query redirects to its understood URL (a free-text rest read again can
                # redirect once more): every hop but the last counts as redirect time.
                while response.status_code == 302:
                    redirected_at = time.perf_counter()
                    response = client.get(response["Location"])
                finished = time.perf_counter()
                cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (query, response.status_code)
            timings.setdefault(query, []).append((finished - started) * 1000)
            first_hop.append((redirected_at - started) * 1000)
            results_hop.append((finished - redirected_at) * 1000)
            sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            statements[query] = len(captured.captured_queries)
            slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
            if float(slowest["time"]) * 1000 > heaviest_sql.get(query, (0, ""))[0]:
                heaviest_sql[query] = (float(slowest["time"]) * 1000, slowest["sql"])

    every = [value for values in timings.values() for value in values]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nmachine: {os.cpu_count()} cores, load average {load} (other work on the machine slows every figure)")
    print(f"\n{len(QUERIES)} queries × {args.repeat} runs, server time in ms (typed query + redirect to its URL)")
    rows = (
        ("server time", every),
        ("  of which Django CPU", cpu),
        ("  of which SQL", sql),
        ("  redirect(s)", first_hop),
        ("  results request", results_hop),
    )
    for label, values in rows:
        figures = "  ".join(f"p{int(f * 100)} {percentile(values, f):6.1f}" for f in (0.50, 0.95, 0.99))
        print(f"{label:26s} {figures}")
    print("\nper query: median ms, SQL statements")
    for query, values in sorted(timings.items(), key=lambda item: -statistics.median(item[1])):
        print(f"  {statistics.median(values):7.1f}  {statements[query]:3d}  {query}")

    print("\nEXPLAIN ANALYZE of the heaviest statements:")
    for query, (ms, sql) in sorted(heaviest_sql.items(), key=lambda item: -item[1][0])[: args.plans]:
        print(f"\n--- {query} ({ms:.1f} ms) ---")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))

    if args.repair_jobs:
        repair_jobs(live)


def repair_jobs(live: int) -> None:
    from django.utils import timezone

    from availability.services import open_time_repair_all
    from search.services import search_summaries_repair

    print("\nhourly repair jobs, every instructor (wall time, one run each):")
    for name, job in (
        ("open_time_repair_all", open_time_repair_all),
        ("search_summaries_repair", search_summaries_repair),
    ):
        started, started_cpu = time.perf_counter(), time.process_time()
        rows = job(now=timezone.now())
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        print(f"  {name:24s} {seconds:7.1f} s  (Django CPU {cpu:.1f} s, {rows} instructors, {live} live)")


if __name__ == "__main__":
    main()
