"""Two-factor authentication is required for staff to reach the admin.

We use allauth's built-in MFA (TOTP + single-use recovery codes), not django-otp: it runs
inside allauth's own login flow, so the same login page asks for the code, and it records in
the session which methods authenticated it. Staff pass only when the account has a TOTP
authenticator *and* this session was completed with a second factor.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator


def staff_has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_used_second_factor(request) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def staff_may_use_admin(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and staff_has_totp(user) and session_used_second_factor(request))
