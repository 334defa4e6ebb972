"""Staff tools for money. Rows change only through the payment services (refunds here); the
ledger and webhook events are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from instainstru.core.admin import ReadOnlyModelAdmin
from payments import models
from payments.pricing import dollars_text
from payments.services import dollars_to_cents, payment_refund
from payments.stripe_client import ProviderUnavailable


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Rows written only by the payments services; staff open them (change permission) for the
    refund and resolution actions on their pages, and edit nothing."""

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class LedgerInline(ReadOnlyInline):
    model = models.LedgerEntry
    fields = ["occurred_at", "kind", "amount_cents", "provider_id", "note", "actor"]


class DisputeInline(ReadOnlyInline):
    model = models.Dispute
    fields = ["dispute_id", "amount_cents", "reason", "status", "opened_at", "closed_at"]


class WaitingForAccountFilter(admin.SimpleListFilter):
    title = "capture waiting for a restricted account"
    parameter_name = "waiting_for_account"

    def lookups(self, request, model_admin):
        return [("yes", "Waiting for the instructor's account")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            from payments.services.lifecycle import payments_waiting_for_account

            return queryset.filter(pk__in=payments_waiting_for_account().values("pk"))
        return queryset


class RefundForm(forms.Form):
    amount = forms.CharField(label="Amount to refund in dollars")
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    take_from_instructor = forms.BooleanField(
        label="Take the instructor's share of it back", required=False, initial=True
    )


@admin.register(models.Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "kind",
        "status",
        "booking",
        "student",
        "instructor",
        "card",
        "captured",
        "refunded",
        "transferred",
        "capture_due_at",
        "payout_held",
        "waiting_for_account",
        "sweep_error",
    ]
    list_filter = [
        "kind",
        "status",
        "settlement",
        "payout_held",
        "needs_student_action",
        WaitingForAccountFilter,
        ("sweep_error_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["public_id", "booking__public_id", "student__email", "instructor__user__email", "charge_id"]
    list_select_related = ["booking", "student", "instructor__user", "instructor__connect_account"]
    date_hierarchy = "created_at"
    inlines = [DisputeInline, LedgerInline]

    @admin.display(description="card")
    def card(self, obj):
        return dollars_text(obj.card_cents)

    @admin.display(description="charged")
    def captured(self, obj):
        return dollars_text(obj.captured_cents)

    @admin.display(description="refunded")
    def refunded(self, obj):
        return dollars_text(obj.refunded_cents)

    @admin.display(description="to instructor")
    def transferred(self, obj):
        return f"{dollars_text(obj.transferred_cents)} of {dollars_text(obj.instructor_share_cents)}"

    @admin.display(description="waits for account", boolean=True)
    def waiting_for_account(self, obj):
        account = getattr(obj.instructor, "connect_account", None)
        waiting = obj.status == models.PaymentStatus.AUTHORIZED and obj.capture_due_at is not None
        return waiting and not (account and account.can_receive_money)

    def get_urls(self):
        return [
            path(
                "<int:payment_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="payments_payment_refund",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        payment = models.Payment.objects.filter(pk=object_id).first()
        if payment and payment.status == models.PaymentStatus.CAPTURED:
            extra_context["refund_url"] = reverse("admin:payments_payment_refund", args=[payment.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def refund_view(self, request, payment_id):
        """Refund all or part of a charged payment, with a reason, through `payment_refund`."""
        if not request.user.has_perm("payments.change_payment"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        payment = get_object_or_404(models.Payment, pk=payment_id)
        refundable = payment.captured_cents - payment.refunded_cents
        form = RefundForm(request.POST or None, initial={"amount": f"{refundable / 100:.2f}"})
        if request.method == "POST" and form.is_valid():
            try:
                payment_refund(
                    payment=payment,
                    amount_cents=dollars_to_cents(form.cleaned_data["amount"]),
                    reason=form.cleaned_data["reason"],
                    staff_user=request.user,
                    now=timezone.now(),
                    take_from_instructor=form.cleaned_data["take_from_instructor"],
                )
            except (ValidationError, ProviderUnavailable) as error:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
            else:
                self.message_user(request, f"Refunded {form.cleaned_data['amount']} dollars.", messages.SUCCESS)
                return redirect("admin:payments_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund payment {payment.public_id}",
            "payment": payment,
            "refundable": dollars_text(refundable),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/payments/refund.html", context, status=422 if form.errors else 200)


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "amount", "booking", "student", "instructor", "provider_id", "actor"]
    list_filter = ["kind", "currency"]
    search_fields = ["provider_id", "idempotency_key", "student__email", "instructor__user__email"]
    date_hierarchy = "occurred_at"
    list_select_related = ["booking", "student", "instructor__user", "actor"]

    @admin.display(description="amount", ordering="amount_cents")
    def amount(self, obj):
        return dollars_text(obj.amount_cents)


@admin.register(models.Credit)
class CreditAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "student", "amount_cents", "remaining_cents", "reason", "issued_at", "expires_at"]
    list_filter = [("expired_at", admin.EmptyFieldListFilter)]
    search_fields = ["student__email", "reason"]


@admin.register(models.CreditUse)
class CreditUseAdmin(ReadOnlyAdmin):
    list_display = ["credit", "payment", "amount_cents", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["payment__public_id", "credit__student__email"]


@admin.register(models.StripeCustomer)
class StripeCustomerAdmin(ReadOnlyAdmin):
    list_display = ["customer_id", "user", "created_at"]
    search_fields = ["customer_id", "user__email"]
    list_filter = ["created_at"]


@admin.register(models.SavedCard)
class SavedCardAdmin(ReadOnlyAdmin):
    list_display = ["user", "brand", "last4", "exp_month", "exp_year", "is_default", "created_at"]
    list_filter = ["brand", "is_default"]
    search_fields = ["user__email", "last4", "payment_method_id"]


@admin.register(models.ConnectAccount)
class ConnectAccountAdmin(ReadOnlyAdmin):
    list_display = [
        "account_id",
        "instructor",
        "details_submitted",
        "transfers_active",
        "payouts_enabled",
        "restricted",
        "waiting_captures",
        "updated_at",
    ]
    list_filter = ["details_submitted", "transfers_active", "payouts_enabled"]
    search_fields = ["account_id", "instructor__user__email"]

    @admin.display(boolean=True)
    def restricted(self, obj):
        return obj.is_restricted

    @admin.display(description="captures waiting")
    def waiting_captures(self, obj):
        from payments.services.lifecycle import payments_waiting_for_account

        count = payments_waiting_for_account().filter(instructor=obj.instructor).count()
        if not count:
            return 0
        url = (
            reverse("admin:payments_payment_changelist")
            + f"?waiting_for_account=yes&instructor__id__exact={obj.instructor_id}"
        )
        return format_html('<a href="{}">{}</a>', url, count)


@admin.register(models.InstructorDebt)
class InstructorDebtAdmin(ReadOnlyAdmin):
    list_display = ["instructor", "amount_cents", "recovered_cents", "reason", "payment", "created_at"]
    search_fields = ["instructor__user__email", "reason"]
    list_filter = ["created_at"]


@admin.register(models.Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["payout_id", "instructor", "method", "amount_cents", "fee_cents", "status", "created_at"]
    list_filter = ["method", "status"]
    search_fields = ["payout_id", "instructor__user__email"]


@admin.register(models.Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["dispute_id", "payment", "amount_cents", "reason", "status", "opened_at", "closed_at"]
    list_filter = ["status", "reason"]
    search_fields = ["dispute_id", "payment__public_id"]


@admin.register(models.WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "account", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["status", "type"]
    search_fields = ["event_id", "type", "error"]
