from django.http import JsonResponse
from django.shortcuts import render

from instainstru.core.health import check_all


def healthz(request):
    states = check_all()
    healthy = all(state.ok for state in states)
    body = {"status": "ok" if healthy else "degraded"}
    body.update({state.name: state.detail for state in states})
    return JsonResponse(body, status=200 if healthy else 503)


def page_not_found(request, exception):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    # No context processors' database work here: the error may be the database itself.
    return render(request, "errors/500.html", status=500)


def home(request):
    from catalog.models import Category

    return render(request, "home.html", {"categories": Category.objects.all()})
