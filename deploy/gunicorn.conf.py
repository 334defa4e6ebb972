# gunicorn's settings for the production layout (scripts/serve_production.sh passes -c this file):
# its error and access logs as JSON lines, like every other process (instainstru.core.logging).
accesslog = "-"
access_log_format = "%(r)s %(s)s %(B)s %(M)sms"
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), which
# two servers on one machine (benchmarks, tests, checkouts) would fight over; nothing uses it.
control_socket_disable = True
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "instainstru.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
