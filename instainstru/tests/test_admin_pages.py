"""The admin is the operations panel: every model of our apps is in it (registered, or shown inline
on its parent's page) with useful columns, a search box and filters, and every page staff use
opens: each changelist, searched, with each of its filters applied, and each add page."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse


def our_models():
    """The models of the project's own apps (those in this repository, not installed packages)."""
    ours = [
        config
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in Path(config.path).parts
    ]
    assert {"accounts", "core", "catalog", "bookings", "payments", "search"} <= {config.label for config in ours}
    return [model for config in ours for model in config.get_models()]


def test_every_model_of_our_apps_is_in_the_admin():
    inline_models = {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    missing = [m._meta.label for m in our_models() if m not in admin.site._registry and m not in inline_models]
    assert missing == []


def test_every_registered_model_of_our_apps_has_columns_search_and_filters():
    gaps = []
    for model in our_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue  # shown inline on its parent's page
        for option, value in (
            ("list_display", tuple(model_admin.list_display) != ("__str__",)),
            ("search_fields", bool(model_admin.search_fields)),
            ("list_filter", bool(model_admin.list_filter)),
        ):
            if not value:
                gaps.append(f"{model._meta.label}: no {option}")
    assert gaps == []


def filtered_urls(model_admin, changelist_url, user):
    """The changelist with each choice of each of its filters applied (the first two besides "All")."""
    request = RequestFactory().get(changelist_url)
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    urls = []
    for spec in changelist.filter_specs:
        choices = [choice for choice in spec.choices(changelist) if not choice.get("selected")]
        urls += [changelist_url + choice["query_string"] for choice in choices[:2]]
    return urls


@pytest.mark.django_db
def test_every_admin_changelist_opens_searched_and_with_each_filter_and_every_add_page_opens(staff_client):
    from catalog.seed import seed_catalog, seed_neighborhoods

    seed_neighborhoods()  # related filters (region, category…) have choices to apply
    seed_catalog()
    request = RequestFactory().get("/admin/")
    request.user = staff_client.staff_user
    failures, filters_applied = [], 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        filtered = filtered_urls(model_admin, changelist, staff_client.staff_user)
        filters_applied += len(filtered)
        for url in [changelist, changelist + "?q=test", *filtered]:
            response = staff_client.get(url)
            # A filter value the changelist cannot apply redirects with ?e=1: that is a failure too.
            if response.status_code != 200:
                failures.append((url, response.status_code))
        if model_admin.has_add_permission(request):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            status = staff_client.get(add).status_code
            if status != 200:
                failures.append((add, status))
    assert failures == []
    assert filters_applied > 100  # the filters really were applied
