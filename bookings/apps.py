from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # Catalog owns suspension but knows nothing of bookings; it runs the hooks other apps
        # register, inside the suspension's transaction.
        from bookings.services import on_instructor_suspended
        from catalog.services import SUSPENSION_HOOKS

        if on_instructor_suspended not in SUSPENSION_HOOKS:
            SUSPENSION_HOOKS.append(on_instructor_suspended)
