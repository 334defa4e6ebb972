"""The search page (and its HTMX partial) and the "opened a result" beacon that teaches aliases."""

from functools import cache
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Service
from search.engine import querystring, search_run, search_understand
from search.forms import SearchForm
from search.lookup_cache import lookup_tables
from search.lookups import DatabaseLookup
from search.selectors import DEFAULT_RADIUS_KM, Sort
from search.services import search_term_alias_observe
from search.unmatched import unmatched_term_current, unmatched_term_remember

# Parameters the filter form has a control for (the others ride along as hidden inputs).
FILTER_KEYS = ("sort", "category", "age", "level", "type", "price_min", "price_max", "when", "radius_km", "min_rating")
RADIUS_CHOICES = (2.0, 5.0, 10.0, 25.0)
# Set by search.js from the browser (Intl.DateTimeFormat().resolvedOptions().timeZone): a guest's zone.
ZONE_COOKIE = "tz"


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def searcher_zone(request) -> ZoneInfo:
    """The signed-in user's zone; for a guest, their browser's (the `tz` cookie), else New York's."""
    if request.user.is_authenticated:
        return ZoneInfo(request.user.timezone)
    browser_zone = request.COOKIES.get(ZONE_COOKIE, "")
    if browser_zone in _known_zones():
        return ZoneInfo(browser_zone)
    return ZoneInfo(settings.TIME_ZONE)


@require_GET
def search_page(request):
    form = SearchForm(request.GET)
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/search.html"
    zone = searcher_zone(request)
    if not form.is_valid():
        # The filters again, with what was typed, so the searcher can correct it where they are.
        context = {
            **_filter_form_context(form, _submitted_params(form)),
            "error_messages": _error_messages(form),
            "zone": zone,
        }
        return render(request, template, context, status=400)
    now = timezone.now()
    lookup = DatabaseLookup()
    understanding = search_understand(cleaned=form.cleaned_data, zone=zone, now=now, lookup=lookup)
    parsed = understanding.parsed
    if "q" in request.GET:
        # A typed search replaces the words the last one did not understand (search.unmatched).
        service_named = (parsed and parsed.service) or form.cleaned_data.get("service")
        unmatched = parsed.free_text if parsed is not None and not service_named else ""
        unmatched_term_remember(request.session, term=unmatched, now=now)
    if parsed is not None:
        # Show the understood parts as parameters (and chips); the URL stays shareable. The
        # search itself runs once, on the page redirected to.
        page = form.cleaned_data.get("page")
        target = querystring({**understanding.params, **({"page": page} if page else {})})
        if sorted(parse_qsl(target)) != sorted(parse_qsl(request.GET.urlencode())):
            return HttpResponseRedirect(f"{reverse('search')}?{target}")
    outcome = search_run(cleaned=form.cleaned_data, zone=zone, now=now, lookup=lookup, understanding=understanding)
    context = {
        **_filter_form_context(form, outcome.params),
        "outcome": outcome,
        "querystring": querystring(outcome.params),
        "zone": zone,
    }
    return render(request, template, context)


# Controls a bad value can be shown in, as typed, to correct (a select cannot show a choice it lacks).
TYPED_KEYS = ("price_min", "price_max", "when")


def _submitted_params(form: SearchForm) -> dict:
    """What the searcher sent: valid values cleaned, a typed filter's bad value as typed (shown in its
    input to correct). Other bad values are dropped, so the next change of any filter searches
    without them."""
    params = {key: value for key, value in form.cleaned_data.items() if value not in (None, "", [], ())}
    for key in form.errors:
        if key in TYPED_KEYS:
            params[key] = form.data.get(key, "")
    params.pop("page", None)
    return params


def _error_messages(form: SearchForm) -> list[str]:
    """Each error with the name of the control it belongs to ("Max $/hour: …")."""
    return [
        f"{form.fields[key].label}: {error}" if key in form.fields else error
        for key, errors in form.errors.items()
        for error in errors
    ]


def _filter_form_context(form: SearchForm, params: dict) -> dict:
    radius = float(params.get("radius_km") or DEFAULT_RADIUS_KM)
    return {
        "form": form,
        "params": params,
        "sort_choices": Sort.CHOICES,
        "current_sort": params.get("sort") or Sort.RELEVANCE,
        "filter_keys": FILTER_KEYS,
        "categories": sorted(lookup_tables().categories.items(), key=lambda item: item[1]),
        "radius_choices": sorted({*RADIUS_CHOICES, radius}),
        "current_radius": radius,
    }


@require_POST
def result_opened(request):
    """A searcher opened a result after a search whose words matched no service (sent by a beacon)."""
    now = timezone.now()
    term = unmatched_term_current(request.session, now=now)
    service = Service.objects.filter(slug=request.POST.get("service", "")).first()
    if term and service:
        search_term_alias_observe(user=request.user, term=term, service=service, now=now)
    return HttpResponse(status=204)
