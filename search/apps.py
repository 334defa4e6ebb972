from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SearchConfig(AppConfig):
    name = "search"

    def ready(self):
        from catalog.models import Category, Neighborhood, Service
        from search.lookup_cache import lookup_tables_invalidate

        # The cached lookup tables (search.lookup_cache) follow every change to their rows.
        for model in (Service, Category, Neighborhood):
            uid = f"search-lookup-{model.__name__}"
            post_save.connect(lookup_tables_invalidate, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(lookup_tables_invalidate, sender=model, dispatch_uid=uid + "-delete")
