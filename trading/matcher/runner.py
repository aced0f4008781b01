"""The matcher's batch: many commands, one database transaction (group commit), replies only after it commits.

`Runner.run(commands)` is all a transport calls, embedded or over the broker:
1. One durable transaction for the batch. On PostgreSQL its lock waits are bounded (`lock_timeout`,
   `TRADING_LOCK_TIMEOUT_MS`): a batch never hangs on a lock.
2. Commands already stored in `MatcherCommand` (a redelivery after a crash, or a command its door abandoned) are
   answered from there and not run again.
3. The pairs of the batch are locked once, in symbol order, and each pair's last sequence number read under
   that lock; the writer (`trading.persistence.Batch`) loads or reuses each pair's book against that number.
4. Each command runs in memory through the pure core; a domain error (checked before the core runs) changes
   nothing and becomes its reply. A command that left stop orders reached after the cascade's cap is followed,
   in the same batch, by `TriggerStops`.
5. The writer writes all the batch's effects in bulk; every command run is stored with its reply and its
   pair's next `seq`, the activity rows in one more insert; then the commit, then the replies.
6. A batch that fails on the database (a lock timeout, a deadlock, balances moved since they were read) or
   meets a bug is rolled back, its books dropped, and each of its commands run again alone, in a transaction
   of its own (up to `ALONE_TRIES` times on the database; a bug alone is stored as `failed`, 500 at its door).
   One bad command cannot sink the others. A command that fails alone every time is answered `unavailable`
   (503), and, not being stored, runs again if it is redelivered.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from activities.models import Activity
from activities.services import collected, record_all
from common import events
from common.errors import DomainError
from common.models import insert_rows, quoted_column, select_rows
from ledger.settlement import BalancesMovedError
from trading import persistence
from trading.matcher.commands import (
    Command,
    ExpireDue,
    Reply,
    TriggerStops,
    reply_from_data,
    to_data,
)
from trading.models import MatcherCommand

logger = logging.getLogger(__name__)

ALONE_TRIES = 3


class _RunAlone(Exception):
    """A command met a bug inside a batch of several: the batch is rolled back and each command runs alone."""


class _Failed(Exception):
    """A command met a bug running alone: it is stored as failed."""

    def __init__(self, command: Command) -> None:
        super().__init__(command.id)
        self.command = command


class Runner:
    """Runs batches of commands for the pairs it owns. Between batches it keeps only the pairs' books in memory
    (`persistence.Books`), each valid while its pair's last command number in the database is the one it
    reflects; everything else is in the database, so a restarted runner goes on where the last committed batch
    ended. `keep_books`: False rebuilds every batch's books from the database (the embedded matcher)."""

    def __init__(self, *, keep_books: bool = False) -> None:
        self.books = persistence.Books(keep=keep_books)
        # Called at each batch's commit, before every other callback of the commit, with the replies the batch
        # made true: the matcher process sends them there, ahead of the pushes nobody waits for (sockets, the
        # volume cache). Replies `run` returns that were not released so still have to be sent.
        self.send_replies: Callable[[list[Reply]], None] | None = None

    def run(self, commands: Sequence[Command]) -> list[Reply]:
        """Run `commands` (each pair's in the order given) and return one reply per command, in order."""
        try:
            replies = self._batch(commands)
        except _RunAlone:
            replies = {}
        except (DatabaseError, BalancesMovedError):
            logger.warning(
                "matcher: a batch of %d commands failed; running each alone",
                len(commands),
                exc_info=True,
            )
            replies = {}
        for command in commands:
            if command.id not in replies:
                replies[command.id] = self._run_alone(command)
        return [replies[command.id] for command in commands]

    def _batch(self, commands: Sequence[Command], *, alone: bool = False) -> dict[str, Reply]:
        """One durable transaction for `commands`; the replies of those that ran (or had run). Raises
        `_RunAlone` when a command met a bug in a batch of several (the batch is rolled back: each then runs
        alone), `DatabaseError` when the batch failed on the database. Either way the batch's books are dropped."""
        batch = persistence.Batch(self.books)
        try:
            with transaction.atomic(durable=True):
                released: list[Reply] = []
                if self.send_replies is not None:
                    transaction.on_commit(partial(self.send_replies, released), robust=True)
                self._bound_lock_waits()
                replies = _stored([command.id for command in commands])
                todo = [command for command in commands if command.id not in replies]
                if not todo:
                    released.extend(replies.values())
                    return replies
                pairs = batch.lock_pairs(command.symbol for command in todo)
                seqs = {pair.symbol: [pair.pk, _last_seq(pair.pk)] for pair in pairs}
                batch.open(todo, {symbol: seq for symbol, (_, seq) in seqs.items()})
                done: list[tuple[Command, Reply, int | None]] = []
                activity_rows: list[Activity] = []
                for command in todo:
                    replies[command.id] = self._run_one(
                        command, batch, seqs, done, activity_rows, alone
                    )
                batch.flush()
                rows = []
                for command, answer, number in done:
                    answer = batch.reply(answer)
                    if command.id in replies:
                        replies[command.id] = answer
                    if number is not None:
                        rows.append(_row(command, answer, seqs[command.symbol][0], number))
                insert_rows(MatcherCommand, rows)
                record_all(activity_rows)
                released.extend(replies.values())
        except BaseException:
            self.books.drop(pair.pk for pair in batch.pairs.values())
            raise
        batch.committed({symbol: seq for symbol, (_, seq) in seqs.items()})
        return replies

    # --- one command ---------------------------------------------------------------------------------

    def _run_one(
        self,
        command: Command,
        batch: persistence.Batch,
        seqs: dict[str, list[int]],
        done: list[tuple[Command, Reply, int | None]],
        activities: list[Activity],
        alone: bool,
    ) -> Reply:
        """Run `command` and what must follow it (stop triggers); append each with its reply to `done` and the
        activity rows they record. A domain error changes nothing and becomes the reply. A bug (not the
        command's fault) aborts a batch of several (`_RunAlone`); alone, the command is answered `failed`
        and stored so, and a redelivery cannot crash the matcher again and again."""
        follow: list[Command] = [command]
        reply: Reply | None = None
        while follow:
            current = follow.pop(0)
            pair = seqs.get(current.symbol)
            number = (
                None if pair is None else pair[1] + 1
            )  # its pair's next number, if it takes one
            more = False
            try:
                with events.scoped(current.symbol), collected() as activity_rows:
                    answer, more = batch.run(current, number)
                activities.extend(activity_rows)
            except DomainError as exc:
                answer = Reply.refused(current.id, exc)
            except (DatabaseError, BalancesMovedError):
                raise
            except Exception:
                if not alone:
                    logger.warning(
                        "matcher: %s %s met a bug in a batch; running each alone",
                        current.kind,
                        current.id,
                    )
                    raise _RunAlone from None
                logger.exception("matcher: %s %s failed", current.kind, current.id)
                raise _Failed(current) from None
            if reply is None:
                reply = answer
            if number is not None and _is_numbered(current, answer):
                seqs[current.symbol][1] = number
            else:
                number = None
            done.append((current, answer, number))
            if more:
                follow.append(TriggerStops(symbol=current.symbol, at=current.at))
        assert reply is not None
        return reply

    def _run_alone(self, command: Command) -> Reply:
        """`command` in a transaction of its own, tried up to `ALONE_TRIES` times: a deadlock or a lock timeout
        (with another shard's batch over a shared account, say) usually clears on the next try."""
        for attempt in range(1, ALONE_TRIES + 1):
            try:
                return self._batch([command], alone=True)[command.id]
            except _Failed:
                return self._failed(command)
            except (DatabaseError, BalancesMovedError):
                logger.warning(
                    "matcher: %s %s failed alone (try %d of %d)",
                    command.kind,
                    command.id,
                    attempt,
                    ALONE_TRIES,
                    exc_info=attempt == ALONE_TRIES,
                )
        return Reply(command.id, unavailable=True)

    def _failed(self, command: Command) -> Reply:
        """Store `command` as failed (numbered in its pair's sequence), in a transaction of its own."""
        reply = Reply(command.id, failed=True)
        try:
            with transaction.atomic(durable=True):
                self._bound_lock_waits()
                stored = _stored([command.id])
                if command.id in stored:
                    return stored[command.id]
                pair = persistence.Batch(self.books).lock_pairs([command.symbol])
                if pair and _is_numbered(command, reply):
                    pair_id = pair[0].pk
                    _row(command, reply, pair_id, _last_seq(pair_id) + 1).save(force_insert=True)
        except DatabaseError:
            logger.warning("matcher: could not store %s %s as failed", command.kind, command.id)
        return reply

    # --- the batch's transaction ---------------------------------------------------------------------

    def _bound_lock_waits(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = {int(settings.TRADING_LOCK_TIMEOUT_MS)}")


def _is_numbered(command: Command, reply: Reply) -> bool:
    # A timed command that found nothing to do is a matcher's own, never redelivered: not numbered.
    return not (isinstance(command, ExpireDue | TriggerStops) and not reply.count)


def _row(command: Command, reply: Reply, pair_id: int, seq: int) -> MatcherCommand:
    """The command log's row of a command numbered `seq` in its pair's sequence (an unknown pair's command, or
    a timed command that found nothing to do, takes no number and has no row: `_is_numbered`)."""
    return MatcherCommand(
        id=command.id,
        pair_id=pair_id,
        seq=seq,
        kind=command.kind,
        reply=to_data(reply),
        created_at=command.at,
    )


def _last_seq(pair_id: int) -> int:
    """The pair's last command number: one step down the (pair, seq) index, whatever the log's length (a
    grouped MAX would read every row of the pair). Written out as SQL (and `_stored` through `select_rows`):
    both run in every batch, and compiling their ORM form costs more than running them."""
    seq, pair = quoted_column(MatcherCommand, "seq"), quoted_column(MatcherCommand, "pair")
    sql = (
        f"SELECT {seq} FROM {connection.ops.quote_name(MatcherCommand._meta.db_table)}"  # noqa: S608
        f" WHERE {pair} = %s AND {seq} IS NOT NULL ORDER BY {seq} DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pair_id])
        found = cursor.fetchone()
    return found[0] if found else 0


def _stored(ids: list[str]) -> dict[str, Reply]:
    """The replies of the commands among `ids` that the log holds (committed, or stored as abandoned)."""
    marks = ", ".join(["%s"] * len(ids))
    rows = select_rows(
        MatcherCommand, f"WHERE {quoted_column(MatcherCommand, 'id')} IN ({marks})", ids
    )
    return {row.id: reply_from_data(row.reply) for row in rows}


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
