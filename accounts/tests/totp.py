"""Computes TOTP codes the way an authenticator app does, for tests."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_code(secret: str, offset_periods: int = 0) -> str:
    counter = int(time.time()) // 30 + offset_periods
    return format_hotp_value(hotp_value(secret, counter))
