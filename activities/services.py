"""The one way to write an activity row."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from activities.actor import Actor
from activities.models import Activity, ActivityType, Outcome, Source
from common.models import insert_rows

# Keys that may carry a secret. `record` refuses them, so a careless caller fails in tests, not in production.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "secret",
        "api_secret",
        "password",
        "signature",
        "code",
        "otp",
        "token",
        "raw_body",
        "ciphertext",
    }
)


def _check_details(details: Mapping[str, Any]) -> None:
    for key, value in details.items():
        if key.lower() in FORBIDDEN_DETAIL_KEYS:
            raise ValueError(f"activity details must not carry {key!r}")
        if isinstance(value, Mapping):
            _check_details(value)


def record(
    *,
    user: Any,
    action: ActivityType | str,
    actor: Actor,
    details: Mapping[str, Any] | None = None,
    outcome: Outcome | str = Outcome.OK,
    at: datetime | None = None,
) -> Activity:
    """Append one activity row for `user`, done by `actor` (its source, client IP and key id go on the row).

    Call it inside the transaction of the change it proves (so a rollback takes the row with it), or after the
    work for refusals and reads. `details` is a whitelist of JSON-safe facts; it must never hold a secret, code,
    password or signature (a `ValueError` says so). Writes one row; locks nothing.
    """
    action = ActivityType(action)
    details = dict(details or {})
    _check_details(details)
    row = Activity(
        user=user,
        action=action,
        outcome=Outcome(outcome),
        source=Source(actor.source),
        ip=actor.ip or None,
        api_key=actor.api_key,
        details=details,
        created_at=at or timezone.now(),
    )
    buffer = _collecting.get()
    if buffer is None:
        row.save(force_insert=True)
    else:
        buffer.append(row)
    return row


# Rows `record()` collects instead of inserting them, while `collected()` is active.
_collecting: ContextVar[list[Activity] | None] = ContextVar("activities_collecting", default=None)


@contextmanager
def collected() -> Iterator[list[Activity]]:
    """Inside, `record()` appends its rows (unsaved) to the yielded list instead of inserting each: a caller that
    writes many in one transaction (the trading matcher's batch) inserts them with one `record_all` before it
    commits, and drops the rows of work it rolled back."""
    rows: list[Activity] = []
    token = _collecting.set(rows)
    try:
        yield rows
    finally:
        _collecting.reset(token)


def record_all(rows: list[Activity]) -> None:
    """Insert rows `collected()` gathered, in one statement."""
    insert_rows(Activity, rows)


def record_repeat(*, activity_id: int, at: datetime) -> bool:
    """Count one more occurrence of what the row `activity_id` records (aggregated refusals): `details.count`
    goes up by one and `details.last_at` moves to `at`, under a lock on the row so concurrent repeats all count.
    Returns False (changing nothing) when the row is gone. The only other writer of rows besides `record`."""
    with transaction.atomic():
        row = Activity.objects.select_for_update().filter(pk=activity_id).first()
        if row is None:
            return False
        row.details = {
            **row.details,
            "count": int(row.details.get("count", 1)) + 1,
            "last_at": at.isoformat(),
        }
        row.save(update_fields=["details"])
    return True


def activity_prune(
    *, before: datetime, user_ids: list[int] | None = None, batch: int = 5000
) -> int:
    """Delete the rows the system wrote (`source="system"`: the matcher's side of fills, expiries, the demo
    market maker) that are older than `before`, optionally only `user_ids`'. Rows people caused (web, trading API,
    admin, operator) are never pruned here. Deletes in batches of `batch` ids, each its own short transaction, so
    a large prune never holds a long lock. Returns how many rows went.
    """
    rows = Activity.objects.filter(source=Source.SYSTEM, created_at__lt=before)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    deleted = 0
    while ids := list(rows.order_by("id").values_list("id", flat=True)[:batch]):
        deleted += Activity.objects.filter(id__in=ids).delete()[0]
    return deleted
