#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, RedisConnectionError):
        # A service is down: say which one and how to start it, not a stack trace.
        from instainstru.core.health import check_all

        down = [state.detail for state in check_all() if not state.ok]
        if not down:
            raise
        sys.stderr.write("\n".join(down) + "\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
