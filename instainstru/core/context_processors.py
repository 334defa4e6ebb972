from django.conf import settings


def site(request):
    return {"SITE_NAME": "InstaInstru", "STRIPE_JS_URL": settings.STRIPE_JS_URL}
