"""The demo trader and the demo admin."""

from typing import TextIO

from accounts.models import User, VerificationLevel
from accounts.services import user_create

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo login, embedded mode only
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-2026"  # noqa: S105


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
    stdout.write(f"demo login:  {DEMO_EMAIL} / {DEMO_PASSWORD} (public id {demo.public_id})")
    stdout.write(f"admin login: {ADMIN_EMAIL} / {ADMIN_PASSWORD} at /admin/")
