"""The demo trader and the demo admin (with a documented authenticator secret: the admin requires 2FA)."""

import base64
from typing import TextIO

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User, VerificationLevel
from accounts.services import user_create

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo login, embedded mode only
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-2026"  # noqa: S105
# The demo admin's TOTP secret (20 bytes), published like the password: embedded mode only.
ADMIN_TOTP_KEY = b"demo-admin-totp-2026"
ADMIN_TOTP_BASE32 = base64.b32encode(ADMIN_TOTP_KEY).decode()


def admin_totp_device() -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user__email=ADMIN_EMAIL, name="Demo authenticator").first()


def demo_user() -> User:
    return User.objects.filter(email=DEMO_EMAIL).first() or user_create(
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        full_name="Demo Trader",
        country="DE",
        # Verified, so the demo trader (and its demo key) can trade and move funds at once.
        verification_level=VerificationLevel.VERIFIED,
    )


def seed(stdout: TextIO) -> None:
    demo = demo_user()
    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        user_create(
            email=ADMIN_EMAIL,
            password=ADMIN_PASSWORD,
            full_name="Demo Admin",
            is_staff=True,
            is_superuser=True,
        )
    if admin_totp_device() is None:
        TOTPDevice.objects.create(
            user=User.objects.get(email=ADMIN_EMAIL),
            name="Demo authenticator",
            key=ADMIN_TOTP_KEY.hex(),
            confirmed=True,
        )
    stdout.write(f"demo login:  {DEMO_EMAIL} / {DEMO_PASSWORD} (public id {demo.public_id})")
    stdout.write(
        f"admin login: {ADMIN_EMAIL} / {ADMIN_PASSWORD} at /admin/ with a code from "
        f"`python manage.py demo_admin_code` (or an authenticator app given the secret {ADMIN_TOTP_BASE32})"
    )
