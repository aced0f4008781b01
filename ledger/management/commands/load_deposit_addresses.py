import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from ledger.services import deposit_addresses_load


class Command(BaseCommand):
    help = (
        "Add deposit addresses to the pool: load_deposit_addresses CURRENCY NETWORK FILE "
        "(one address per line, optionally 'address memo'; '-' reads standard input)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("currency")
        parser.add_argument("network", help="blockchain id, e.g. bitcoin, ERC20, tron")
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        pairs = []
        for line in text.splitlines():
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                pairs.append((parts[0], parts[1] if len(parts) > 1 else ""))
        try:
            added = deposit_addresses_load(
                currency=options["currency"].upper(), network=options["network"], addresses=pairs
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"added {added} of {len(pairs)} address(es) to the pool")
