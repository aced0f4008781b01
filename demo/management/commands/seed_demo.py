"""Load the demo data `make run` serves. Idempotent: it runs on every start and adds only what is missing."""

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand

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
        for path in SEEDERS:
            import_module(path).seed(self.stdout)
