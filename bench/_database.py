"""The benchmarks' own database, shared by bench/search.py and bench/slots.py (a helper, not a
benchmark: bench/run_all.sh skips files starting with an underscore)."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def use_benchmark_database() -> str:
    """Points DATABASE_URL at `<name>_bench`, creating that database when it is missing."""
    import psycopg

    url = urlsplit(os.environ.get("DATABASE_URL", "postgis://instainstru:instainstru@127.0.0.1:5432/instainstru"))
    name = url.path.lstrip("/")
    if name.startswith("test_"):
        sys.exit("Refusing to benchmark a test database.")
    if not name.endswith("_bench"):
        name += "_bench"
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path="/" + name))
    admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return name
