from typing import Any

from django.core.management.base import BaseCommand

from gateway.replay import prune


class Command(BaseCommand):
    help = "Delete the replay guard's request fingerprints whose timestamp window is over."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"pruned {prune()} expired request fingerprints")
