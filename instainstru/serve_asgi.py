"""daphne, with its access log as JSON lines like every other log (daphne writes NCSA text).

Run it as daphne: `python -m instainstru.serve_asgi -b 127.0.0.1 -p 8000 instainstru.asgi:application`.
"""

import logging

from daphne import cli
from daphne.access import AccessLogGenerator

access_logger = logging.getLogger("daphne.access")


class JsonAccessLog(AccessLogGenerator):
    """One log record per request or websocket event, formatted by LOGGING's JSON formatter."""

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        access_logger.info(request, extra={"client": host, "status": status, "bytes": length})


def main() -> None:
    # daphne's command line builds its access log from this module-level name.
    cli.AccessLogGenerator = JsonAccessLog
    cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
