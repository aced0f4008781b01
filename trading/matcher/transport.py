"""How a door's command reaches its pair's one writer, and the reply comes back. Two transports, one runner.

- `EmbeddedTransport` (`TRADING_MATCHER=embedded`, the default: `make run`, the tests): the matcher lives in
  the web process. Each pair has a queue and a lock; a door that takes the lock becomes the pair's writer for a
  while and runs everything queued as one batch (leader/follower group commit), the others wait for their
  replies. One process only: two processes would each believe they own the pair (the pair's row lock still keeps
  them correct, one after the other).
- `StreamTransport` (`TRADING_MATCHER=redis`): the door appends the command to its pair's Redis stream
  (`trading:cmd:<SYMBOL>`, read by exactly one `manage.py matcher` process through a consumer group) and waits
  for the reply on a list of its own (`trading:reply:<id>`), which the matcher pushes after the batch committed.

A bounded wait, never a hang: a pair whose matcher has not shown itself alive in the last seconds
(`trading:alive:<SYMBOL>`) is refused at once; a command with no reply after `TRADING_MATCHER_WAIT_S` is
abandoned. Abandoning is a race with the matcher, settled in one place each time, so the answer is always true:
- before the matcher takes the command: `SET trading:fate:<id> abandoned NX` wins, and the matcher, whose own
  `SET ... taken NX` then fails, drops it unrun;
- after it took it: the door waits once more, then stores the command as abandoned in `MatcherCommand`; that row
  makes a later commit of the command fail (the runner then answers from the row), and if the matcher committed
  first, the door finds its reply there instead.
Either way the door answers 503 ("Trading is temporarily unavailable for BTC-USD") only for a command that
never runs.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import cast

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from conditions.models import Pair
from trading.errors import TradingUnavailableError
from trading.matcher.commands import Command, Reply, decode_reply, encode, reply_from_data, to_data
from trading.matcher.runner import Runner
from trading.models import MatcherCommand

BATCH_MAX = 256
FATE_TTL_S = 24 * 3600
REPLY_TTL_S = 60
ALIVE_TTL_S = 3
STREAM_MAXLEN = 100_000
GROUP = "matchers"
ABANDONED, TAKEN = b"abandoned", b"taken"


def stream_key(symbol: str) -> str:
    return f"trading:cmd:{symbol}"


def reply_key(command_id: str) -> str:
    return f"trading:reply:{command_id}"


def fate_key(command_id: str) -> str:
    return f"trading:fate:{command_id}"


def alive_key(symbol: str) -> str:
    return f"trading:alive:{symbol}"


# --- embedded ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Slot:
    command: Command
    reply: Reply | None = None
    taken: bool = False
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(eq=False)
class _PairQueue:
    writer: threading.Lock = field(default_factory=threading.Lock)
    guard: threading.Lock = field(default_factory=threading.Lock)
    pending: deque[_Slot] = field(default_factory=deque)


class EmbeddedTransport:
    def __init__(self, runner: Runner | None = None) -> None:
        self.runner = runner or Runner()
        self._queues: dict[str, _PairQueue] = {}
        self._guard = threading.Lock()

    def submit(self, command: Command, *, wait: float) -> Reply:
        queue = self._queue(command.symbol)
        slot = _Slot(command)
        with queue.guard:
            queue.pending.append(slot)
        deadline = time.monotonic() + wait
        while not slot.done.is_set():
            if not queue.writer.acquire(timeout=max(0.0, deadline - time.monotonic())):
                with queue.guard:
                    if not slot.taken:
                        queue.pending.remove(slot)
                        raise TradingUnavailableError.for_pair(command.symbol)
                slot.done.wait()  # a writer runs it now; its batch's lock waits are bounded
                break
            try:
                self._drain(queue, slot)
            finally:
                queue.writer.release()
        assert slot.reply is not None
        return slot.reply

    def _drain(self, queue: _PairQueue, mine: _Slot) -> None:
        while not mine.done.is_set():
            with queue.guard:
                batch = [queue.pending.popleft() for _ in range(min(len(queue.pending), BATCH_MAX))]
                for slot in batch:
                    slot.taken = True
            if not batch:
                return
            try:
                replies = self.runner.run([slot.command for slot in batch])
            except BaseException:
                for slot in batch:
                    slot.reply = Reply(slot.command.id, unavailable=True)
                    slot.done.set()
                raise
            for slot, reply in zip(batch, replies, strict=True):
                slot.reply = reply
                slot.done.set()

    def _queue(self, symbol: str) -> _PairQueue:
        with self._guard:
            return self._queues.setdefault(symbol, _PairQueue())


# --- Redis Streams ----------------------------------------------------------------------------------


# Append the command (ARGV[1]) to its pair's stream (KEYS[2]) only while the pair's matcher shows itself alive
# (KEYS[1]): the check and the append in one round trip. 0: no matcher, nothing appended.
_SUBMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'c', ARGV[1])
return 1
"""


class StreamTransport:
    def __init__(self, url: str, *, wait: float) -> None:
        # Reads block for up to the wait: the socket timeout must outlast it.
        self.redis = redis.Redis.from_url(
            url, socket_connect_timeout=settings.REDIS_TIMEOUT_S, socket_timeout=wait + 1.0
        )
        self._append = self.redis.register_script(_SUBMIT)

    def submit(self, command: Command, *, wait: float) -> Reply:
        symbol = command.symbol
        try:
            keys = [alive_key(symbol), stream_key(symbol)]
            if not self._append(keys=keys, args=[encode(command), STREAM_MAXLEN]):
                raise TradingUnavailableError.for_pair(symbol)
            got = self._reply(command.id, wait)
            if got is None:
                if self.redis.set(fate_key(command.id), ABANDONED, nx=True, ex=FATE_TTL_S):
                    raise TradingUnavailableError.for_pair(symbol)
                got = self._reply(command.id, wait)
        except redis.RedisError as exc:
            raise TradingUnavailableError.for_pair(symbol) from exc
        if got is not None:
            return decode_reply(got)
        return _abandon(command)

    def _reply(self, command_id: str, wait: float) -> bytes | None:
        # redis-py types `timeout` as int; the server takes fractional seconds (Redis >= 6).
        got = cast(list[bytes] | None, self.redis.blpop([reply_key(command_id)], timeout=wait))  # type: ignore[arg-type]
        return None if got is None else got[1]


def _abandon(command: Command) -> Reply:
    """Store `command` as abandoned so that it can never commit, unless it already did: then its reply."""
    pair_id = Pair.objects.values_list("pk", flat=True).get(symbol=command.symbol)
    unavailable = Reply(command.id, unavailable=True)
    try:
        with transaction.atomic(durable=True):
            MatcherCommand.objects.create(
                id=command.id,
                pair_id=pair_id,
                kind=command.kind,
                reply=to_data(unavailable),
                abandoned=True,
                created_at=timezone.now(),
            )
    except IntegrityError:
        row = MatcherCommand.objects.get(pk=command.id)
        if not row.abandoned:
            return reply_from_data(row.reply)
    raise TradingUnavailableError.for_pair(command.symbol)


# --- the door's entry -------------------------------------------------------------------------------

_transports: dict[tuple[str, str], EmbeddedTransport | StreamTransport] = {}
_transports_lock = threading.Lock()


def transport() -> EmbeddedTransport | StreamTransport:
    """The transport the settings name (one per process and setting)."""
    mode, url = settings.TRADING_MATCHER, settings.TRADING_MATCHER_URL
    with _transports_lock:
        found = _transports.get((mode, url))
        if found is None:
            found = (
                StreamTransport(url, wait=settings.TRADING_MATCHER_WAIT_S)
                if mode == "redis"
                else EmbeddedTransport()
            )
            _transports[(mode, url)] = found
        return found


def submit(command: Command) -> Reply:
    """Run `command` on its pair's writer and return its reply, once committed. Raises the domain error the
    command met, or `TradingUnavailableError` when the pair's writer did not take it within the wait."""
    reply = transport().submit(command, wait=settings.TRADING_MATCHER_WAIT_S)
    if reply.unavailable:
        raise TradingUnavailableError.for_pair(command.symbol)
    if reply.failed:
        raise RuntimeError(
            f"the matcher failed on {command.kind} {command.id}; its log has the traceback"
        )
    reply.raise_error()
    return reply
