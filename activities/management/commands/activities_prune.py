"""Delete system-generated activity rows older than a retention period (`--older-than 90d`)."""

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from activities.services import activity_prune

UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    """`90d`, `12h` or `30m` -> a timedelta (a positive whole number and one unit)."""
    match = re.fullmatch(r"(\d{1,6})([dhm])", text.strip())
    if match is None or int(match.group(1)) == 0:
        raise CommandError(f"--older-than {text!r}: write a positive age like 90d, 12h or 30m")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "Delete activity rows written by the system itself (source=system) older than --older-than "
        "(default: ACTIVITIES_SYSTEM_RETENTION_DAYS). Rows people caused are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", default=None, help="Age like 90d, 12h or 30m.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] is not None:
            age = parse_age(options["older_than"])
        elif settings.ACTIVITIES_SYSTEM_RETENTION_DAYS > 0:
            age = timedelta(days=settings.ACTIVITIES_SYSTEM_RETENTION_DAYS)
        else:
            self.stdout.write(
                "ACTIVITIES_SYSTEM_RETENTION_DAYS is 0: system rows are kept; nothing pruned"
            )
            return
        deleted = activity_prune(before=timezone.now() - age)
        self.stdout.write(f"pruned {deleted} system activity rows older than {age}")
