from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from catalog.onboarding import GO_LIVE_CHECKS, GoLiveCheck
        from payments.services.connect import instructor_can_receive_payouts, instructor_payouts_missing

        if not any(check.key == "payouts" for check in GO_LIVE_CHECKS):
            GO_LIVE_CHECKS.append(
                GoLiveCheck(
                    "payouts", "payouts set up", "payouts", instructor_can_receive_payouts, instructor_payouts_missing
                )
            )
