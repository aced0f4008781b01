"""The replay guard for mutating calls: a signed request executes at most once, durably.

A signature covers the action, the timestamp and the body, so an exact repeat is a replay (or a client that sent
two identical mutating requests within one second). Its fingerprint (key id + SHA-256 of the signature) is
inserted into `gateway.SignedRequest`, whose unique constraint refuses the second one, **in the same database
transaction as the call's effect**: the transfer and its fingerprint commit together or not at all, so a crash
cannot leave an effect without its fingerprint (replayable) nor a fingerprint without its effect (a lost call
answered as a replay). The cache plays no part: a Redis restart or flush forgets nothing.

How the row gets into the service's transaction: entry-point services are `@transaction.atomic(durable=True)`,
so the gateway cannot open a transaction around them. Instead the service takes a `claim` callable and runs it
first inside its own transaction (`ledger.services._execute`, `trading.services._place`). The gateway hands a
`Claim` (this module) to the handler through `Call.claim`, and the handler passes it on. This keeps the services
free of any gateway import (the table is the gateway's), keeps `durable=True` meaning "entry point", and makes
the extra write visible in the service's signature rather than ambient. Considered and not taken: a context
variable read by the services (ambient), and a fingerprint insert in a transaction of its own before the
effect (a refused or crashed call would burn the request, and the issue asks for one transaction).

If a concurrent identical request holds the row, the insert waits for it; if that one commits, this one gets
`ReplayError` (409) and its transaction rolls back. A mutating call that is refused (a domain error) rolls its
fingerprint back with everything else; the gateway then stores the fingerprint on its own
(`remember_refused`), so the same bytes cannot be replayed to succeed later inside the window.

Idempotent actions (`@action(..., idempotent=True)`: cancel all, cancel one) are not guarded: a repeat runs
again, changes nothing, and gets its own activity row.

Rows live `2 * GATEWAY_TIMESTAMP_WINDOW_S + 2` seconds (a timestamp may be up to a window in the future and is
valid until a window after it). `prune` deletes the expired ones: the `gateway_replay_prune` command, the Celery
beat task `gateway.replay_prune_task`, and opportunistically each process after a call, at most once per TTL.
"""

import hashlib
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.models import concrete_field
from gateway.errors import ReplayError
from gateway.models import SignedRequest

logger = logging.getLogger(__name__)


# The row's columns, the unique constraint's two first (`signed_request_once`).
_COLUMNS = ("key_id", "fingerprint", "action", "expires_at")


def ttl_s() -> int:
    return 2 * settings.GATEWAY_TIMESTAMP_WINDOW_S + 2


def fingerprint(signature: str) -> str:
    return hashlib.sha256(signature.encode("utf-8", "surrogatepass")).hexdigest()


class Claim:
    """Callable handed to a service: inserts this request's fingerprint inside the caller's transaction."""

    __slots__ = ("key_id", "fingerprint", "action", "now", "done")

    def __init__(self, *, key_id: int, signature: str, action: str, now: datetime) -> None:
        self.key_id = key_id
        self.fingerprint = fingerprint(signature)
        self.action = action[:64]
        self.now = now
        self.done = False

    def _row(self) -> SignedRequest:
        return SignedRequest(
            key_id=self.key_id,
            fingerprint=self.fingerprint,
            action=self.action,
            expires_at=self.now + timedelta(seconds=ttl_s()),
        )

    def __call__(self) -> None:
        """Insert the fingerprint; `ReplayError` when this request was already executed.

        Must run inside the service's transaction (asserted), before any effect. One statement, `INSERT ... ON
        CONFLICT (key_id, fingerprint) DO NOTHING`: a conflict inserts nothing, the same way on every backend,
        and leaves the transaction usable (no savepoint, and its two extra round trips, on every order). The
        `ReplayError` then rolls the service's whole transaction back. A concurrent identical request's
        uncommitted row makes the insert wait for its outcome, as a plain insert would.
        """
        assert connection.in_atomic_block, "a claim runs inside the service's transaction"
        row, quote = self._row(), connection.ops.quote_name
        fields = [concrete_field(SignedRequest, name) for name in _COLUMNS]
        columns = [quote(field.column) for field in fields]
        sql = (
            f"INSERT INTO {quote(SignedRequest._meta.db_table)} ({', '.join(columns)})"  # noqa: S608
            f" VALUES ({', '.join(['%s'] * len(columns))})"
            f" ON CONFLICT ({columns[0]}, {columns[1]}) DO NOTHING"
        )
        params = [
            field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.rowcount
        if inserted != 1:
            raise ReplayError()
        self.done = True

    def remember_refused(self) -> None:
        """After a refused call: store the fingerprint on its own (best effort, conflicts ignored).

        Not skipped when `done`: the transaction that inserted it may have rolled back since."""
        try:
            SignedRequest.objects.bulk_create([self._row()], ignore_conflicts=True)
        except Exception:
            logger.exception("gateway: could not store the fingerprint of a refused call")


def prune(*, now: datetime | None = None) -> int:
    """Delete the fingerprints whose window is over; returns how many."""
    deleted, _ = SignedRequest.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


_last_prune = 0.0


def prune_if_due(*, clock: float | None = None) -> None:
    """The opportunistic prune after a call: at most once per TTL per process; never raises."""
    global _last_prune
    moment = time.monotonic() if clock is None else clock
    if moment - _last_prune < ttl_s():
        return
    _last_prune = moment
    try:
        prune()
    except Exception:
        logger.exception("gateway: could not prune expired request fingerprints")
