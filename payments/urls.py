from django.urls import path

from payments import views, views_instructors, views_webhooks

urlpatterns = [
    path("payments/webhooks/stripe/", views_webhooks.stripe_webhook, name="payments_stripe_webhook"),
    path("payments/cards/", views.cards, name="payments_cards"),
    path("payments/cards/<str:public_id>/default/", views.card_make_default, name="payments_card_default"),
    path("payments/cards/<str:public_id>/remove/", views.card_delete, name="payments_card_remove"),
    path("payments/checkout/<str:public_id>/", views.checkout, name="payments_checkout"),
    path("payments/checkout/<str:public_id>/finish/", views.checkout_done, name="payments_checkout_finish"),
    path("payments/fix-card/<str:public_id>/", views.fix_card, name="payments_fix_card"),
    path("payments/tip/<str:public_id>/", views.tip, name="payments_tip"),
    path("payments/billing/", views.billing, name="payments_billing"),
    path("payments/receipts/<str:public_id>/", views.receipt, name="payments_receipt"),
    path("payments/connect/start/", views_instructors.connect_start, name="payments_connect_start"),
    path("payments/connect/return/<str:account_id>/", views_instructors.connect_return, name="payments_connect_return"),
    path(
        "payments/connect/refresh/<str:account_id>/", views_instructors.connect_refresh, name="payments_connect_refresh"
    ),
    path("teach/earnings/", views_instructors.earnings, name="payments_earnings"),
]
