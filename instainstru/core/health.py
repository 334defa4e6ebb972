"""Checks of the services the site needs, with a message a person can act on."""

import functools
import socket
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.http import JsonResponse


@dataclass(frozen=True)
class ServiceState:
    name: str
    ok: bool
    detail: str


def _server_listening(host: str, port: int) -> bool:
    try:
        if host.startswith("/"):
            with socket.socket(socket.AF_UNIX) as unix_socket:
                unix_socket.settimeout(1)
                unix_socket.connect(f"{host}/.s.PGSQL.{port}")
        else:
            socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def check_database() -> ServiceState:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return ServiceState("database", True, "ok")
    except Exception as exc:  # any driver error means "down" to a person
        db = settings.DATABASES["default"]
        # No host means libpq's socket directory, /var/run/postgresql on Debian.
        host, port = db.get("HOST") or "/var/run/postgresql", int(db.get("PORT") or 5432)
        if _server_listening(host, port):
            # The server answered and refused: a missing database, role or password, not a
            # stopped server. The server's own words say which.
            reason = str(exc).rpartition("FATAL:")[2].strip() or exc.__class__.__name__
            return ServiceState(
                "database",
                False,
                f"PostgreSQL at {host}:{port} is running but refused the connection: {reason}. "
                "`make setup` creates the role and database named in DATABASE_URL.",
            )
        return ServiceState(
            "database",
            False,
            f"PostgreSQL is unreachable at {host}:{port} ({exc.__class__.__name__}). "
            "Start it with `make services` (or `pg_ctlcluster 15 main start`).",
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


def health_response() -> JsonResponse:
    """200 with each service "ok", or 503 naming what is down and how to start it."""
    states = check_all()
    healthy = all(state.ok for state in states)
    body = {"status": "ok" if healthy else "degraded"}
    body.update({state.name: state.detail for state in states})
    return JsonResponse(body, status=200 if healthy else 503)


class HealthCheckMiddleware:
    """Answers /healthz before any other middleware runs: sessions, authentication and the
    user's time zone read the database, which may be the very service that is down (a request
    with a session cookie got a 500 instead of the 503 saying so). First in MIDDLEWARE, so a
    load balancer's plain-HTTP probe is not redirected to HTTPS either."""

    PATH = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == self.PATH:
            return health_response()
        return self.get_response(request)
