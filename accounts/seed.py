"""Demo people for `make run`: a student, an instructor and a staff member with 2FA.

The staff member's TOTP secret is fixed and printed, so a person trying the demo can add it
to an authenticator app (or use a recovery code) and reach the admin.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from accounts.models import User
from accounts.services import user_grant_role

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed for the demo on purpose
DEMO_STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"  # noqa: S105 - demo only


def demo_user(*, email: str, full_name: str, roles=("student",), is_staff=False, timezone="America/New_York"):
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "is_staff": is_staff, "timezone": timezone}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = is_staff
        user.save()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    for role in roles:
        user_grant_role(user=user, role=role)
    return user


DEMO_STUDENTS = [
    ("Maya Chen", "America/New_York"),
    ("Jordan Alvarez", "America/New_York"),
    ("Priya Raman", "America/New_York"),
    ("Tom Becker", "America/Chicago"),
    ("Aisha Bello", "America/New_York"),
    ("Lucas Moreau", "Europe/London"),
    ("Hana Sato", "America/Los_Angeles"),
    ("Diego Ruiz", "America/New_York"),
    ("Emma Novak", "Europe/London"),
    ("Kwame Mensah", "America/New_York"),
]


def seed_demo_people(**_options) -> list[str]:
    demo_user(email="student@demo.instainstru.com", full_name="Sam Student")
    for index, (name, zone) in enumerate(DEMO_STUDENTS, start=1):
        demo_user(email=f"student{index}@demo.instainstru.com", full_name=name, timezone=zone)
    demo_user(email="instructor@demo.instainstru.com", full_name="Ines Instructor", roles=("student", "instructor"))
    staff = demo_user(email="staff@demo.instainstru.com", full_name="Stacy Staff", is_staff=True)
    if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(staff, DEMO_STAFF_TOTP_SECRET)
        RecoveryCodes.activate(staff)
    recovery = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
    codes = RecoveryCodes(recovery).get_unused_codes()
    return [
        "Demo logins (password for all: " + DEMO_PASSWORD + "):",
        "  student     student@demo.instainstru.com  (and student1…student10@demo.instainstru.com)",
        "  instructor  instructor@demo.instainstru.com",
        "  staff       staff@demo.instainstru.com  (admin at /admin/; TOTP secret "
        + DEMO_STAFF_TOTP_SECRET
        + ", or a recovery code: "
        + ", ".join(codes[:3])
        + ")",
    ]
