from django.shortcuts import render


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
