from django import template

from payments.models import Payment, PaymentKind
from payments.pricing import tip_limits_cents
from payments.services.tips import tip_allowed

register = template.Library()


@register.simple_tag
def tip_limits(booking) -> dict:
    """{% tip_limits booking as limits %} → limits.low_cents / limits.high_cents / dollars."""
    low, high = tip_limits_cents(booking.lesson_price_cents)
    return {"low_cents": low, "high_cents": high, "low": f"{low / 100:.2f}", "high": f"{high / 100:.2f}"}


@register.inclusion_tag("payments/partials/lesson_payment.html")
def lesson_payment(booking, user):
    """The student's view of a lesson's money on the lesson page: what was charged, and a tip link."""
    if booking.student_id != getattr(user, "pk", None):
        return {"show": False}
    payments = {p.kind: p for p in Payment.objects.filter(booking=booking)}
    return {
        "show": True,
        "booking": booking,
        "lesson": payments.get(PaymentKind.LESSON),
        "tip": payments.get(PaymentKind.TIP),
        "can_tip": tip_allowed(booking=booking, student=user),
    }


@register.simple_tag
def connect_status(user):
    """The instructor's Connect account row (or None) for the onboarding Payouts step."""
    from payments.models import ConnectAccount

    return ConnectAccount.objects.filter(instructor__user=user).first()
