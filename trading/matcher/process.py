"""A matcher process (`manage.py matcher --shard 0/2`, or `--pairs BTC-USD,ETH-USD`): the one writer of its
pairs, fed through Redis Streams.

Each pair has a stream `trading:cmd:<SYMBOL>` and one consumer group (`matchers`); this process reads its pairs'
streams as the group's consumer `shard-<k>` (a stable name: after a restart it first reads again what it had
read and not acknowledged, then new commands). A thread of its own shows the process alive for its pairs
(`trading:alive:<SYMBOL>`, a few seconds' expiry, renewed every second), so a batch that outlasts the expiry (a
slow database, a lock wait, a loaded machine) does not make its pairs look down: the doors refuse a pair without
that key at once, and bound a slow batch with their own wait. The loop:
1. read up to `BATCH_MAX` commands from all its streams (blocking briefly when idle);
2. mark each taken (`SET trading:fate:<id> taken NX`); one its door abandoned first is dropped unrun;
3. add its timed commands when due (`ExpireDue`, `TriggerStops` per pair, every `TRADING_EXPIRY_INTERVAL_S`);
4. run them as one batch (`Runner.run`: one transaction, commands already committed answered from the database);
5. at the commit, first: push each reply to its door (the runner's `send_replies`), ahead of the after-commit pushes
   nobody waits for (the sockets' frames, the volume cache); then publish the batch's events to each pair's
   event stream (`stream.py`), and acknowledge the stream entries.
A `kill -9` between 4 and 5 leaves the entries unacknowledged: the restarted process reads them again, finds them
committed, and answers them from the database (nothing runs twice). One between 1 and 4 runs them then.

Pairs are split across processes by a stable hash of the symbol (`shard_of`), so `--shard k/n` needs no shared
state; `--pairs` names them instead.
"""

import logging
import signal
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import redis
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from common.events import subscribe
from conditions.models import Pair
from trading.matcher.commands import (
    Command,
    ExpireDue,
    Reply,
    TriggerStops,
    decode_command,
    encode,
)
from trading.matcher.runner import Runner
from trading.matcher.stream import EventStream
from trading.matcher.transport import (
    ALIVE_TTL_S,
    BATCH_MAX,
    FATE_TTL_S,
    GROUP,
    REPLY_TTL_S,
    TAKEN,
    alive_key,
    fate_key,
    reply_key,
    stream_key,
)

logger = logging.getLogger(__name__)

BLOCK_MS = 50
ALIVE_EVERY_S = 1.0


def shard_of(symbol: str, shards: int) -> int:
    """The shard that owns `symbol` when pairs are split across `shards` processes (stable across runs)."""
    return zlib.crc32(symbol.encode()) % shards


def pairs_for(*, shard: int, shards: int, names: Sequence[str] = ()) -> list[str]:
    """The symbols one process owns: `names` when given, else the pairs of its shard."""
    symbols = list(Pair.objects.order_by("symbol").values_list("symbol", flat=True))
    if names:
        unknown = sorted(set(names) - set(symbols))
        if unknown:
            raise ValueError(f"unknown pairs: {', '.join(unknown)}")
        return sorted(names)
    return [symbol for symbol in symbols if shard_of(symbol, shards) == shard]


class MatcherProcess:
    def __init__(
        self, *, symbols: Sequence[str], consumer: str, url: str, runner: Runner | None = None
    ) -> None:
        self.symbols = list(symbols)
        self.consumer = consumer
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=5.0)
        self.runner = runner or Runner(keep_books=True)
        self.runner.send_replies = self._reply
        self._replied: set[str] = set()
        self.stream = EventStream(self.redis)
        self.stopping = threading.Event()
        self._next_timed = time.monotonic() + settings.TRADING_EXPIRY_INTERVAL_S
        self.batches = 0
        self.commands = 0

    def stop(self, *_: Any) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Serve until `stop()` (SIGTERM/SIGINT when run by the command): what was read is finished first."""
        self._groups()
        heartbeat = threading.Thread(target=self._heartbeat, name=f"{self.consumer}-alive")
        heartbeat.start()
        try:
            self._serve()
        finally:
            self.stopping.set()
            heartbeat.join()
        self.redis.delete(*[alive_key(symbol) for symbol in self.symbols])

    def _serve(self) -> None:
        recovering = True
        while not self.stopping.is_set():
            try:
                entries = self._read(pending=recovering)
                if recovering and not entries:
                    recovering = (
                        False  # everything read before a restart is answered: new commands now
                    )
                    continue
                close_old_connections()
                self._batch(entries)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                # Redis away: nothing is lost (unacknowledged entries are read again, committed ones
                # answered from the database); the doors answer 503 meanwhile.
                logger.warning("matcher %s: Redis unreachable (%s); retrying", self.consumer, exc)
                self.stopping.wait(0.5)
                recovering = True
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                logger.warning(
                    "matcher %s: the streams were reset; recreating the group", self.consumer
                )
                self._groups()
                recovering = True

    # --- the steps -----------------------------------------------------------------------------------

    def _groups(self) -> None:
        for symbol in self.symbols:
            try:
                self.redis.xgroup_create(stream_key(symbol), GROUP, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def _heartbeat(self) -> None:
        """Until the process stops: its pairs' alive keys, renewed every `ALIVE_EVERY_S`."""
        while not self.stopping.is_set():
            try:
                with self.redis.pipeline(transaction=False) as pipe:
                    for symbol in self.symbols:
                        pipe.set(alive_key(symbol), self.consumer, ex=ALIVE_TTL_S)
                    pipe.execute()
            except redis.RedisError as exc:
                logger.warning("matcher %s: cannot show itself alive (%s)", self.consumer, exc)
            self.stopping.wait(ALIVE_EVERY_S)

    def _read(self, *, pending: bool) -> list[tuple[str, bytes, Command]]:
        """(stream, entry id, command) in stream order per pair; `pending`: what this consumer read before."""
        start = "0" if pending else ">"
        found: Any = self.redis.xreadgroup(
            GROUP,
            self.consumer,
            {stream_key(symbol): start for symbol in self.symbols},
            count=BATCH_MAX,
            block=None if pending else BLOCK_MS,
        )
        entries = []
        for stream, items in found or []:
            for entry_id, fields in items:
                if not fields:  # deleted from the stream after it was read
                    continue
                entries.append((stream.decode(), entry_id, decode_command(fields[b"c"])))
        return entries

    def _batch(self, entries: list[tuple[str, bytes, Command]]) -> None:
        commands = self._taken([command for _, _, command in entries])
        commands += self._timed()
        if commands:
            replies = self.runner.run(commands)
            # Most went at their batch's commit (`_reply`, the runner's `send_replies`); these had no commit of
            # their own to leave with (unavailable), or their first push failed.
            self._reply([reply for reply in replies if reply.command_id not in self._replied])
            self._replied.clear()
            self.stream.publish()
            self.batches += 1
            self.commands += len(commands)
        if entries:
            with self.redis.pipeline(transaction=False) as pipe:
                for stream, entry_id, _ in entries:
                    pipe.xack(stream, GROUP, entry_id)
                pipe.execute()

    def _reply(self, replies: list[Reply]) -> None:
        """Send replies to the doors waiting for them (each on its own list), in one round trip."""
        if not replies:
            return
        with self.redis.pipeline(transaction=False) as pipe:
            for reply in replies:
                pipe.lpush(reply_key(reply.command_id), encode(reply))
                pipe.expire(reply_key(reply.command_id), REPLY_TTL_S)
            pipe.execute()
        self._replied.update(reply.command_id for reply in replies)

    def _taken(self, commands: list[Command]) -> list[Command]:
        """The commands this process may run: those no door abandoned first. Stamped with this clock, so time
        priority on the book follows the pair's sequence."""
        if not commands:
            return []
        with self.redis.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.set(fate_key(command.id), TAKEN, nx=True, ex=FATE_TTL_S, get=True)
            fates = pipe.execute()
        now = timezone.now()
        return [
            replace(command, at=now)
            for command, fate in zip(commands, fates, strict=True)
            if fate in (None, TAKEN)
        ]

    def _timed(self) -> list[Command]:
        now = time.monotonic()
        if now < self._next_timed:
            return []
        self._next_timed = now + settings.TRADING_EXPIRY_INTERVAL_S
        at = timezone.now()
        timed: list[Command] = []
        for symbol in self.symbols:
            timed += [ExpireDue(symbol=symbol, at=at), TriggerStops(symbol=symbol, at=at)]
        return timed


def serve(*, symbols: Sequence[str], consumer: str, url: str) -> MatcherProcess:
    """Run a matcher process in the foreground until SIGTERM or SIGINT."""
    process = MatcherProcess(symbols=symbols, consumer=consumer, url=url)
    subscribe(process.stream.collect)
    signal.signal(signal.SIGTERM, process.stop)
    signal.signal(signal.SIGINT, process.stop)
    process.run()
    return process
