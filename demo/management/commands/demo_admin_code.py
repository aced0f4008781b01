"""Print the demo admin's current authenticator code (embedded mode only), for the 2FA admin login."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from demo.users import admin_totp_device


class Command(BaseCommand):
    help = "Print the demo admin's current TOTP code (DEBUG only; run seed_demo first)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_admin_code runs only with DEBUG on (the demo is for `make run`)."
            )
        device = admin_totp_device()
        if device is None:
            raise CommandError(
                "No demo admin authenticator: run `python manage.py seed_demo` first."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
