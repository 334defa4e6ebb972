"""Pages and HTMX partials for favorites, reviews and achievements. Adapters only: parse, call one
service, render."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog.models import InstructorProfile
from reviews import selectors, services
from reviews.errors import RefusedError


def _favorite_fragment(request, profile, *, message: str = "", status: int = 200) -> HttpResponse:
    html = render_to_string(
        "reviews/partials/favorite_button.html", {"profile": profile, "favorite_message": message}, request=request
    )
    return HttpResponse(html, status=status)


@require_POST
def favorite_set(request, public_id):
    """Sets the favorite state to `favorite` ("true"/"false"); without it, toggles. Answers with the
    heart as stored, or with the refusal message (4xx, which the page shows after rolling back)."""
    profile = get_object_or_404(InstructorProfile.objects.select_related("user"), public_id=public_id)
    if not request.user.is_authenticated:
        return HttpResponse("Log in to save favorites.", status=401, content_type="text/plain; charset=utf-8")
    wanted = request.POST.get("favorite")
    if wanted in ("true", "false"):
        favorite = wanted == "true"
    else:
        favorite = profile.pk not in selectors.favorite_instructor_ids(request.user)
    try:
        services.favorite_set(user=request.user, instructor=profile, favorite=favorite, now=timezone.now())
    except RefusedError as refusal:
        if request.htmx:
            return HttpResponse(refusal.message, status=refusal.status, content_type="text/plain; charset=utf-8")
        return _favorite_fragment(request, profile, message=refusal.message, status=refusal.status)
    return _favorite_fragment(request, profile)


@login_required
def favorite_list(request):
    page = Paginator(selectors.favorites_of(request.user), 24).get_page(request.GET.get("page"))
    return render(request, "reviews/favorites.html", {"page": page})
