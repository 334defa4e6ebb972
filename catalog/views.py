from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalog import onboarding, selectors, services, verification
from catalog.forms import AreaForm, OfferForm, PhotoForm, ProfileForm
from catalog.maps import own_area_svg, public_area_svg
from catalog.models import Category, InstructorProfile, LocationType


def category_detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    services_listed = list(selectors.category_services(category))
    service = None
    if request.GET.get("service"):
        service = next((s for s in services_listed if s.slug == request.GET["service"]), None)
        if service is None:
            raise Http404("No such service here")
    offers = selectors.category_offers(category=category, service=service)
    page = Paginator(offers, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/category.html",
        {
            "category": category,
            "services": services_listed,
            "service": service,
            "page_obj": page,
            "other_categories": Category.objects.exclude(pk=category.pk),
        },
    )


def booking_url(profile) -> str:
    try:
        return reverse("booking_start", args=[profile.public_id])
    except NoReverseMatch:
        return f"/instructors/{profile.public_id}/book/"


def instructor_profile(request, public_id):
    profile = selectors.public_profile(public_id)
    if profile is None:
        raise Http404("No such instructor")
    return render(
        request,
        "catalog/profile.html",
        {
            "profile": profile,
            "offers": profile.services.all(),
            "area_map": public_area_svg(profile),
            "booking_url": booking_url(profile),
        },
    )


# --- Onboarding -----------------------------------------------------------------------------


def _instructor_profile(request) -> InstructorProfile:
    if not request.user.is_instructor:
        raise PermissionDenied("Only instructors can set up a teaching profile.")
    return services.instructor_profile_start(user=request.user)


@login_required
def onboarding_start(request):
    profile = _instructor_profile(request)
    missing = onboarding.missing_for_go_live(profile)
    if profile.status != InstructorProfile.Status.ONBOARDING:
        return redirect("onboarding_step", step="go-live")
    if not missing:
        return redirect("onboarding_step", step="go-live")
    return redirect("onboarding_step", step="welcome")


def _step_context(profile, step_slug, **extra):
    index = onboarding.STEP_SLUGS.index(step_slug)
    states = onboarding.step_states(profile)
    return {
        "profile": profile,
        "steps": onboarding.STEPS,
        "step": onboarding.STEPS[index],
        "step_states": states,
        "next_step": onboarding.STEPS[index + 1] if index + 1 < len(onboarding.STEPS) else None,
        "missing": [
            (check, onboarding.STEPS[onboarding.STEP_SLUGS.index(check.step)])
            for check in onboarding.missing_for_go_live(profile)
        ],
        **extra,
    }


def _render_step(request, profile, step_slug, status=200, **extra):
    context = _step_context(profile, step_slug, **extra)
    context.update(_step_data(profile, step_slug, extra))
    response = render(request, f"catalog/onboarding/{step_slug.replace('-', '_')}.html", context, status=status)
    if request.htmx and status == 200:
        response["HX-Push-Url"] = reverse("onboarding_step", args=[step_slug])
    return response


def _step_data(profile, step_slug, extra) -> dict:
    data = {}
    if step_slug == "profile":
        data["profile_missing"] = onboarding.profile_missing(profile)
        data.setdefault("profile_form", extra.get("profile_form") or ProfileForm.for_profile(profile))
        data.setdefault("photo_form", extra.get("photo_form") or PhotoForm())
    elif step_slug == "skills":
        data["offers"] = (
            profile.services.in_display_order().select_related("service__category").prefetch_related("prices")
        )
        data.setdefault("offer_form", extra.get("offer_form") or OfferForm())
    elif step_slug == "area":
        data["area_missing"] = onboarding.area_missing(profile)
        data["area_map"] = own_area_svg(profile)
        data["location_types"] = sorted(
            {LocationType(t).label for offer in profile.services.all() for t in offer.location_types}
        )
        data.setdefault(
            "area_form",
            extra.get("area_form")
            or AreaForm(
                initial={
                    "neighborhoods": [h.slug for h in profile.neighborhoods.all()],
                    "base_address": profile.base_address,
                    "travel_radius_km": (profile.travel_radius_m or 0) / 1000 or None,
                    "studio_address": profile.studio_address,
                }
            ),
        )
    elif step_slug == "verification":
        data["verification"] = onboarding.latest_verification(profile)
    return data


def _after_save(request, profile, step_slug, message):
    messages.success(request, message)
    profile.refresh_from_db()
    if request.htmx:
        return _render_step(request, profile, step_slug)
    return redirect("onboarding_step", step=step_slug)


def _redirect_out(request, url: str) -> HttpResponse:
    """To a provider's page (identity check): a full navigation, also from an HTMX form."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _invalid(request, profile, step_slug, **forms):
    return _render_step(request, profile, step_slug, status=422, **forms)


@login_required
def onboarding_step(request, step):
    if step not in onboarding.STEP_SLUGS:
        raise Http404("No such step")
    profile = _instructor_profile(request)
    if request.method != "POST":
        return _render_step(request, profile, step)
    now = timezone.now()
    action = request.POST.get("action", "")
    try:
        if step == "profile" and action == "photo":
            form = PhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                return _invalid(request, profile, step, photo_form=form)
            try:
                services.instructor_set_photo(instructor=profile, upload=form.cleaned_data["photo"])
            except ValidationError as error:
                form.add_error("photo", error)
                return _invalid(request, profile, step, photo_form=form)
            return _after_save(request, profile, step, "Your photo was saved.")
        if step == "profile":
            form = ProfileForm(request.POST)
            if not form.is_valid():
                return _invalid(request, profile, step, profile_form=form)
            services.instructor_update_profile(instructor=profile, **form.cleaned_data)
            return _after_save(request, profile, step, "Your profile was saved.")
        if step == "skills" and action == "remove":
            services.offer_remove(instructor=profile, offer_public_id=request.POST.get("offer", ""))
            return _after_save(request, profile, step, "The service was removed.")
        if step == "skills":
            form = OfferForm(request.POST)
            if not form.is_valid():
                return _invalid(request, profile, step, offer_form=form)
            try:
                services.offer_save(
                    instructor=profile,
                    service=form.cleaned_data["service"],
                    age_groups=form.cleaned_data["age_groups"],
                    levels=form.cleaned_data["levels"],
                    location_types=form.cleaned_data["location_types"],
                    prices=form.cleaned_data["prices"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form.add_error(None, error)
                return _invalid(request, profile, step, offer_form=form)
            return _after_save(request, profile, step, f"{form.cleaned_data['service'].name} was saved.")
        if step == "area":
            form = AreaForm(request.POST)
            if not form.is_valid():
                return _invalid(request, profile, step, area_form=form)
            radius_km = form.cleaned_data["travel_radius_km"]
            try:
                services.instructor_set_service_area(
                    instructor=profile,
                    neighborhood_slugs=[h.slug for h in form.cleaned_data["neighborhoods"]],
                    base_address=form.cleaned_data["base_address"],
                    travel_radius_m=int(radius_km * 1000) if radius_km else None,
                    studio_address=form.cleaned_data["studio_address"],
                )
            except ValidationError as error:
                _add_errors(form, error)
                return _invalid(request, profile, step, area_form=form)
            return _after_save(request, profile, step, "Your service area was saved.")
        if step == "verification":
            started = verification.verification_start(instructor=profile, now=now)
            if started.redirect_url:
                return _redirect_out(request, started.redirect_url)
            return _after_save(request, profile, step, "Thanks! Our team will review your verification.")
        if step == "go-live":
            if action == "pause":
                services.instructor_pause(instructor=profile, now=now, actor=request.user)
                return _after_save(request, profile, step, "Your profile is paused: students can't find you.")
            if action == "resume":
                services.instructor_resume(instructor=profile, now=now, actor=request.user)
                return _after_save(request, profile, step, "Welcome back: your profile is live again.")
            services.instructor_go_live(instructor=profile, now=now, actor=request.user)
            return _after_save(request, profile, step, "You are live! Students can now find and book you.")
    except services.StatusChangeRefused as error:
        return _render_step(request, profile, step, status=422, status_errors=error.messages)
    return HttpResponse(status=405)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            if field == "travel_radius_m":
                target = "travel_radius_km"
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)
