"""The matcher's batch: many commands, one database transaction (group commit), replies only after it commits.

`Runner.run(commands)` is all a transport calls, embedded or over the broker:
1. One durable transaction for the batch. On PostgreSQL its lock waits are bounded (`lock_timeout`,
   `TRADING_LOCK_TIMEOUT_MS`): a batch never hangs on a lock.
2. Commands already stored in `MatcherCommand` (a redelivery after a crash, or a command its door abandoned) are
   answered from there and not run again.
3. The pairs of the batch are locked once, in symbol order, and each pair's last sequence number read under that lock.
   Each touched book's feed (the WebSocket increments) is diffed and published once per batch, at its end.
4. Each command runs in a savepoint (`trading.persistence`, the one writer). A domain error rolls back that
   command only and becomes its reply; a clientOrderId taken meanwhile is answered with the earlier order. A
   command that traded while stop orders wait is followed, in the same batch, by `TriggerStops`.
5. Every command run is stored with its reply and its pair's next `seq` in one bulk insert, the activity rows of
   the commands that stand in another; then the commit.
6. A command that failed on the database (a lock timeout, a deadlock) is run again after the batch, alone in a
   transaction of its own (up to `ALONE_TRIES` times); when the whole batch fails (at commit, say), every
   command is run again that way. One bad command cannot sink the others. A command that fails alone every time
   is answered `unavailable` (503), and, not being stored, runs again if it is redelivered.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from activities.models import Activity
from activities.services import collected, record_all
from common import events
from common.errors import DomainError
from trading import persistence
from trading.errors import ClientOrderIdConflictError
from trading.matcher.commands import (
    CancelAll,
    CancelOrder,
    Command,
    ExpireDue,
    PlaceOrder,
    Reply,
    TriggerStops,
    numbered,
    reply_from_data,
    to_data,
)
from trading.models import MatcherCommand

logger = logging.getLogger(__name__)

ALONE_TRIES = 3


class _RunAlone(Exception):
    """A command failed on the database inside the batch: run it again after the batch, on its own."""


class Runner:
    """Runs batches of commands for the pairs it owns. Holds no state between batches: everything it needs is in
    the database, so a restarted runner goes on where the last committed batch ended."""

    def run(self, commands: Sequence[Command]) -> list[Reply]:
        """Run `commands` (each pair's in the order given) and return one reply per command, in order."""
        replies: dict[str, Reply] = {}
        alone: list[Command] = []
        try:
            with transaction.atomic(durable=True), persistence.batch() as feed:
                self._bound_lock_waits()
                stored = _stored([command.id for command in commands])
                todo = [command for command in commands if command.id not in stored]
                replies.update(stored)
                seqs = self._lock_pairs(todo)
                rows: list[MatcherCommand] = []
                activity_rows: list[Activity] = []
                for command in todo:
                    try:
                        replies[command.id] = self._run_one(command, rows, seqs, activity_rows)
                    except _RunAlone:
                        alone.append(command)
                feed()
                MatcherCommand.objects.bulk_create(rows)
                record_all(activity_rows)
        except DatabaseError:
            logger.warning(
                "matcher: a batch of %d commands failed; running each alone",
                len(commands),
                exc_info=True,
            )
            replies = {}
            alone = list(commands)
        for command in alone:
            replies[command.id] = self._run_alone(command)
        return [replies[command.id] for command in commands]

    # --- one command ---------------------------------------------------------------------------------

    def _run_one(
        self,
        command: Command,
        rows: list[MatcherCommand],
        seqs: dict[str, list[int]],
        activities: list[Activity],
    ) -> Reply:
        """Run `command` and what must follow it in a savepoint each; append their command rows and activity rows
        (those of a command rolled back are dropped). Raises `_RunAlone`."""
        follow: list[Command] = [command]
        reply: Reply | None = None
        while follow:
            current = follow.pop(0)
            pair = seqs.get(current.symbol)
            try:
                with (
                    transaction.atomic(),
                    events.scoped(current.symbol),
                    numbered(None if pair is None else pair[1] + 1),
                    collected() as activity_rows,
                ):
                    answer, more = _execute(current)
                activities.extend(
                    activity_rows
                )  # the command stands: its rows go in with the batch
            except DomainError as exc:
                answer, more = Reply.refused(current.id, exc), False
            except persistence.DuplicateClientOrderId:
                assert isinstance(current, PlaceOrder)
                with transaction.atomic():
                    answer, more = _replay(current), False
            except DatabaseError as exc:
                if current is not command:
                    # A follow-up (stop triggers) failed: what placed it stands; the periodic trigger retries.
                    logger.warning("matcher: %s failed: %s", current.kind, exc)
                    continue
                raise _RunAlone from exc
            except Exception:
                # A bug, not the command's fault: rolled back and stored as failed, so that a redelivery cannot
                # crash the matcher again and again (a poison command would stop the pair for good).
                logger.exception("matcher: %s %s failed", current.kind, current.id)
                answer, more = Reply(current.id, failed=True), False
            if reply is None:
                reply = answer
            row = _row(current, answer, seqs)
            if row is not None:
                rows.append(row)
            if more:
                follow.append(TriggerStops(symbol=current.symbol, at=current.at))
        assert reply is not None
        return reply

    def _run_alone(self, command: Command) -> Reply:
        """`command` in a transaction of its own, tried up to `ALONE_TRIES` times: a deadlock or a lock timeout
        (with another shard's batch over a shared account, say) usually clears on the next try."""
        for attempt in range(1, ALONE_TRIES + 1):
            try:
                return self._alone_once(command)
            except (DatabaseError, _RunAlone):
                logger.warning(
                    "matcher: %s %s failed alone (try %d of %d)",
                    command.kind,
                    command.id,
                    attempt,
                    ALONE_TRIES,
                    exc_info=attempt == ALONE_TRIES,
                )
        return Reply(command.id, unavailable=True)

    def _alone_once(self, command: Command) -> Reply:
        with transaction.atomic(durable=True), persistence.batch() as feed:
            self._bound_lock_waits()
            stored = _stored([command.id])
            if command.id in stored:
                return stored[command.id]
            seqs = self._lock_pairs([command])
            rows: list[MatcherCommand] = []
            activity_rows: list[Activity] = []
            reply = self._run_one(command, rows, seqs, activity_rows)
            feed()
            MatcherCommand.objects.bulk_create(rows)
            record_all(activity_rows)
            return reply

    # --- the batch's transaction ---------------------------------------------------------------------

    def _bound_lock_waits(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = {int(settings.TRADING_LOCK_TIMEOUT_MS)}")

    def _lock_pairs(self, commands: Sequence[Command]) -> dict[str, list[int]]:
        """Lock each pair of the batch once, in symbol order, and read its last sequence number under the lock.
        Returns {symbol: [pair id, last seq]} for the pairs that exist."""
        pairs = persistence.lock_pairs(sorted({command.symbol for command in commands}))
        return {pair.symbol: [pair.pk, _last_seq(pair.pk)] for pair in pairs}


def _execute(command: Command) -> tuple[Reply, bool]:
    """Run one command through the writer. Returns its reply and whether `TriggerStops` must follow."""
    if isinstance(command, PlaceOrder):
        return persistence.place(command)
    if isinstance(command, TriggerStops):
        return persistence.trigger_stops(command)
    run: dict[type, Callable[[Command], Reply]] = {
        CancelOrder: persistence.cancel,  # type: ignore[dict-item]
        CancelAll: persistence.cancel_all,  # type: ignore[dict-item]
        ExpireDue: persistence.expire_due,  # type: ignore[dict-item]
    }
    return run[type(command)](command), False


def _replay(command: PlaceOrder) -> Reply:
    """The answer to an order whose clientOrderId an earlier order took while it waited: that order, or a
    `ClientOrderIdConflictError` for other parameters."""
    try:
        earlier = persistence.earlier(
            user=command.user_id,
            client_order_id=command.dedupe_key or "",
            fingerprint=command.fingerprint,
            now=command.at,
        )
    except persistence.ExpiredClientOrderId:
        earlier = None
    except DomainError as exc:
        return Reply.refused(command.id, exc)
    if earlier is None:
        return Reply.refused(command.id, ClientOrderIdConflictError())
    persistence.replayed(earlier, command.symbol, command.actor)
    return Reply(command.id, order_ids=(earlier.pk,), replayed=True)


def _row(command: Command, reply: Reply, seqs: dict[str, list[int]]) -> MatcherCommand | None:
    pair = seqs.get(command.symbol)
    if pair is None:  # an unknown pair: refused before it touched anything, numbered nowhere
        return None
    if isinstance(command, ExpireDue | TriggerStops) and not reply.count:
        return None  # a timed command that found nothing to do: a matcher's own, never redelivered
    pair[1] += 1
    return MatcherCommand(
        id=command.id,
        pair_id=pair[0],
        seq=pair[1],
        kind=command.kind,
        reply=to_data(reply),
        created_at=command.at,
    )


def _last_seq(pair_id: int) -> int:
    """The pair's last command number: one step down the (pair, seq) index, whatever the log's length (a
    grouped MAX would read every row of the pair)."""
    found = (
        MatcherCommand.objects.filter(pair_id=pair_id, seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return found or 0


def _stored(ids: list[str]) -> dict[str, Reply]:
    found = MatcherCommand.objects.filter(id__in=ids).values_list("id", "reply")
    return {command_id: reply_from_data(reply) for command_id, reply in found}


def matcher_commands_prune(*, now: datetime | None = None, keep_s: float | None = None) -> int:
    """Delete command ids older than `keep_s` seconds (default `TRADING_COMMAND_RETENTION_S`, the broker's
    redelivery dedup window), except each pair's last numbered one, from which its sequence goes on. Returns how
    many rows went."""
    keep = settings.TRADING_COMMAND_RETENTION_S if keep_s is None else keep_s
    cutoff = (now or timezone.now()) - timedelta(seconds=keep)
    last = (
        MatcherCommand.objects.filter(seq__isnull=False).values("pair_id").annotate(last=Max("seq"))
    )
    old = MatcherCommand.objects.filter(created_at__lt=cutoff)
    for item in last:
        old = old.exclude(pair_id=item["pair_id"], seq=item["last"])
    deleted, _ = old.delete()
    return deleted
