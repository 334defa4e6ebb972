"""What production refuses to start with: missing required values, development defaults, and
the local stand-ins (the recording email adapter, the local Stripe server and its keys) that
would make a live site quietly deliver no email and take no real payments."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

REQUIRED = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL")
RECORDING_EMAIL_BACKEND = "notifications.email_backend.RecordingEmailBackend"
LOCAL_STRIPE_VALUES = {"sk_test_local", "pk_test_local", "whsec_local"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - names to refuse, not to bind


def configuration_problems(*, environ: Mapping[str, str], settings: Mapping[str, Any]) -> list[str]:
    """Every reason these settings must not run a live site, each saying what to set; [] when none."""
    problems = [
        f"{name} must be set in production (see .env.example)."
        for name in REQUIRED
        if not environ.get(name, "").strip()
    ]
    key = environ.get("DJANGO_SECRET_KEY", "").strip()
    if key and (key == settings["DEVELOPMENT_SECRET_KEY"] or len(key) < 50 or len(set(key)) < 5):
        problems.append("DJANGO_SECRET_KEY must be a long random value (50+ characters), not the development key.")
    if settings["EMAIL_BACKEND"] == RECORDING_EMAIL_BACKEND:
        problems.append(
            "EMAIL_BACKEND is the local adapter that records email and delivers none: "
            "set a real backend (e.g. django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST…)."
        )
    for name, prefix in (("STRIPE_SECRET_KEY", "sk_"), ("STRIPE_PUBLISHABLE_KEY", "pk_")):
        value = settings[name]
        if value in LOCAL_STRIPE_VALUES or not value.startswith(prefix):
            problems.append(f"{name} must be a key from your Stripe dashboard ({prefix}live_… or {prefix}test_…).")
    if not settings["STRIPE_WEBHOOK_SECRET"] or settings["STRIPE_WEBHOOK_SECRET"] in LOCAL_STRIPE_VALUES:
        problems.append("STRIPE_WEBHOOK_SECRET must be the signing secret (whsec_…) of your Stripe webhook endpoint.")
    for name, real in (("STRIPE_API_BASE", "https://api.stripe.com"), ("STRIPE_JS_URL", "https://js.stripe.com/v3/")):
        url = urlsplit(settings[name])
        if url.scheme != "https" or url.hostname in LOOPBACK_HOSTS:
            problems.append(f"{name} is {settings[name]} (the local Stripe server, or not HTTPS): set {real}.")
    return problems
