"""ASGI entry point: HTTP through Django, websockets under /ws/ through Channels.

In production nginx sends only /ws/ here (daphne) and everything else to gunicorn, which
serves sync views several times faster; `make run` serves both from this one process.
"""

import os

# Tell settings this process is ASGI, so it uses psycopg's pool rather than per-thread
# persistent connections (which exhausted PostgreSQL's connections under ASGI).
os.environ.setdefault("INSTAINSTRU_ASGI", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from instainstru.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
