"""Periodic jobs, declared in code. `manage.py sync_periodic_tasks` makes django-celery-beat's
table match this list (idempotently), so nobody clicks schedules together in the admin.

Each app may add to PERIODIC_TASKS; names are stable keys.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    task: str
    every_seconds: int


PERIODIC_TASKS: list[PeriodicTask] = [
    PeriodicTask("accounts: purge expired sessions", "accounts.tasks.purge_expired_sessions", 6 * 3600),
    # availability and bookings
    PeriodicTask("availability: repair open time summary", "availability.tasks.repair_open_time", 3600),
    PeriodicTask("bookings: complete finished lessons", "bookings.tasks.complete_finished_lessons", 300),
    PeriodicTask("bookings: release expired holds", "bookings.tasks.release_expired_holds", 60),
    PeriodicTask("payments: run due payment steps", "payments.tasks.run_due", 60),
    PeriodicTask("payments: expire platform credits", "payments.tasks.expire_credits", 3600),
    PeriodicTask("payments: pay out instructors' available balances", "payments.tasks.pay_out_balances", 24 * 3600),
    PeriodicTask("search: repair instructor search summaries", "search.tasks.repair_search_summaries", 3600),
]
