from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications.services import notification_mark_read


@login_required
def notification_list(request):
    page = Paginator(request.user.notifications.all(), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, public_id):
    if not notification_mark_read(user=request.user, public_id=public_id):
        if not request.user.notifications.filter(public_id=public_id).exists():
            raise Http404
    return redirect("notification_list")
