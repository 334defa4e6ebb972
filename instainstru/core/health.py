"""Checks of the services the site needs, with a message a person can act on."""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import connections


@dataclass(frozen=True)
class ServiceState:
    name: str
    ok: bool
    detail: str


def check_database() -> ServiceState:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return ServiceState("database", True, "ok")
    except Exception as exc:  # any driver error means "down" to a person
        db = settings.DATABASES["default"]
        return ServiceState(
            "database",
            False,
            f"PostgreSQL is unreachable at {db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432} "
            f"({exc.__class__.__name__}). Start it with `make services` "
            "(or `pg_ctlcluster 15 main start`).",
        )


@functools.cache
def _redis_client(url: str):
    import redis

    # One pooled client per URL: a new client per request would open a connection each time.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def check_redis() -> ServiceState:
    try:
        _redis_client(settings.REDIS_URL).ping()
        return ServiceState("redis", True, "ok")
    except Exception as exc:
        return ServiceState(
            "redis",
            False,
            f"Redis is unreachable at {settings.REDIS_URL} ({exc.__class__.__name__}). "
            "Start it with `make services` (or `redis-server --daemonize yes`).",
        )


def check_all() -> list[ServiceState]:
    return [check_database(), check_redis()]
