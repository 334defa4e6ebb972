"""Every admin page staff use opens: the changelist of each registered model (with its search
and filters applied), and its add page where adding is allowed."""

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.mark.django_db
def test_every_admin_changelist_and_add_page_opens(staff_client):
    failures = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for url in (changelist, changelist + "?q=test"):
            status = staff_client.get(url).status_code
            if status != 200:
                failures.append((url, status))
        if model_admin.has_add_permission(_request_for(staff_client)):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            status = staff_client.get(add).status_code
            if status != 200:
                failures.append((add, status))
    assert failures == []


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = client.staff_user
    return request
