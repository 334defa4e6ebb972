"""The instructor's availability pages: the HTMX week editor, settings and time off."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from availability import services
from availability.forms import SettingsForm, TimeOffForm, WeekForm
from availability.selectors import availability_settings_for, time_off_list, week_masks
from catalog.models import InstructorProfile


def _instructor(request) -> InstructorProfile:
    profile = InstructorProfile.objects.filter(user=request.user).select_related("user").first()
    if profile is None:
        raise PermissionDenied("This page is for instructors.")
    return profile


def _week_start(request, zone) -> date:
    try:
        day = date.fromisoformat(request.GET.get("week") or request.POST.get("week", ""))
    except ValueError:
        day = timezone.now().astimezone(zone).date()
    return day - timedelta(days=day.weekday())


@login_required
@require_http_methods(["GET", "POST"])
def week_editor(request):
    instructor = _instructor(request)
    zone = request.user.zone
    week_start = _week_start(request, zone)
    context = {
        "week_start": week_start,
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "zone": zone,
    }
    status = 200
    template = "availability/week.html" if not request.htmx else "availability/_week_form.html"
    if request.method == "POST":
        form = WeekForm(week_start=week_start, data=request.POST)
        if form.is_valid():
            try:
                services.availability_week_save(
                    instructor=instructor,
                    week_start=week_start,
                    masks=form.cleaned_data["masks"],
                    loaded_masks=form.cleaned_data["loaded_masks"],
                    expected_version=form.cleaned_data["version"],
                    every_week=form.cleaned_data["every_week"],
                    now=timezone.now(),
                )
            except services.WeekConflict as conflict:
                # Offer the instructor's own values again, against the current version.
                current = week_masks(instructor=instructor, week_start=week_start)
                data = request.POST.copy()
                data["version"] = conflict.current_version
                for i, day in enumerate(sorted(current)):
                    data[f"loaded_{i}"] = current[day]
                context.update(form=WeekForm(week_start=week_start, data=data), conflict=conflict)
                context["form"].is_valid()
                return render(request, template, context, status=409)
            except ValidationError as error:
                form.add_error(None, error)
                status = 422
            else:
                saved = week_masks(instructor=instructor, week_start=week_start)
                context["saved"] = True
                context["form"] = WeekForm.for_week(
                    week_start=week_start,
                    masks=saved,
                    version=availability_settings_for(instructor=instructor).version,
                )
                if not request.htmx:
                    messages.success(request, "Your week was saved.")
                    return redirect(f"{request.path}?week={week_start.isoformat()}")
                return render(request, template, context)
        else:
            status = 422
        context["form"] = form
        return render(request, template, context, status=status)
    context["form"] = WeekForm.for_week(
        week_start=week_start,
        masks=week_masks(instructor=instructor, week_start=week_start),
        version=availability_settings_for(instructor=instructor).version,
    )
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def availability_settings(request):
    instructor = _instructor(request)
    form = SettingsForm(data=request.POST or None, instance=availability_settings_for(instructor=instructor))
    if request.method == "POST" and form.is_valid():
        services.availability_settings_update(instructor=instructor, now=timezone.now(), **form.cleaned_data)
        messages.success(request, "Your booking settings were saved.")
        return redirect("availability_settings")
    return render(request, "availability/settings.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def time_off(request):
    instructor = _instructor(request)
    zone = request.user.zone
    form = TimeOffForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.time_off_create(instructor=instructor, now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Time off added.")
            return redirect("time_off")
    today = timezone.now().astimezone(zone).date()
    return render(
        request,
        "availability/time_off.html",
        {"form": form, "ranges": time_off_list(instructor=instructor, today=today)},
    )


@login_required
@require_POST
def time_off_delete(request, time_off_id: int):
    instructor = _instructor(request)
    if services.time_off_delete(instructor=instructor, time_off_id=time_off_id, now=timezone.now()):
        messages.success(request, "Time off removed.")
    else:
        # Already removed (a second click) or not this instructor's: the same answer, nothing changed.
        messages.info(request, "That time off was already removed.")
    return redirect("time_off")
