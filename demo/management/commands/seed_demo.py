"""Load the demo data `make run` serves. Idempotent: it runs on every start and adds only what is missing."""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Each module has `seed(stdout) -> None`; order matters (users before their keys, currencies before pairs).
SEEDERS = [
    "demo.users",
    "demo.market",
    "demo.funds",
    "demo.market_maker",
    "demo.apikeys",
]


class Command(BaseCommand):
    help = "Create the demo users and every app's demo data, where missing."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo's logins and API key are printed in the README: on a real deployment they would be
            # open doors. Refused before anything is written.
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: the demo accounts have published passwords and a "
                "published API key. It is for `make run` (DJANGO_DEBUG=true) only. Create real staff with "
                "`manage.py user_create EMAIL --password ... --staff`."
            )
        for path in SEEDERS:
            import_module(path).seed(self.stdout)
