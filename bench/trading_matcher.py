"""Benchmark parts for `bench/trading.py`: `manage.py matcher` processes fed through Redis Streams, with no HTTP.

Production's path from the door on: submitters put `trading.matcher.commands` on the pair's stream with
`trading.matcher.transport.StreamTransport` and wait for the reply, which the matcher pushes only after the
batch that ran the command committed. The door's own checks (account, level, a repeated clientOrderId) are not
part of it; the web tier's share is what the HTTP part of the bench measures.

The mix is bench/trading_core.py's (`Mix`: 60 % resting GTC limit orders, 30 % crossing IOC limit orders, 10 %
cancels of an earlier resting order), each core command turned into the matcher's command for one of `TRADERS`
funded users. Each submitting thread has its own `Mix` (seeded by its number) and so cancels only orders it
placed, once their ids came back; a cancel of an order that filled meanwhile is refused, and still a command,
as in the core's benchmark.

Figures: commands answered per second in the measured window (after `warm` seconds that build the book), and
submit→reply latency (command to commit, plus the reply's trip back) of those commands.
"""

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from bench.trading_core import TRADERS, Mix  # noqa: E402
from trading.core import Cancel, Place  # noqa: E402

ACCOUNT = "bench"
FUNDS = {"USD": "1000000000", "BTC": "100000", "ETH": "100000"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One command as a submitter saw it."""

    symbol: str
    command_id: str
    answer: str  # "ok", "refused" (a domain error: a cancel of a filled order), "unavailable" (503)
    done: float  # time.monotonic() when the reply came
    latency: float  # seconds from submit to reply


# --- the database's side -------------------------------------------------------------------------------


def fund(user: Any, amounts: dict[str, str]) -> None:
    """Credit `user`'s wallet and move it all to a new sub-account `ACCOUNT`."""
    from activities.actor import Actor
    from ledger import services as ledger

    system = Actor.system()
    ledger.account_create(user=user, name=ACCOUNT, actor=system)
    for currency, amount in amounts.items():
        ledger.wallet_credit(user=user, currency=currency, amount=Decimal(amount), actor=system)
        ledger.transfer_from_wallet(
            user=user, account=ACCOUNT, currency=currency, amount=Decimal(amount), actor=system
        )


def traders(prefix: str) -> list[int]:
    """`TRADERS` users (no password: nothing to hash) with a funded sub-account `ACCOUNT`; their ids."""
    from accounts.services import user_create

    ids = []
    for n in range(TRADERS):
        user = user_create(
            email=f"{prefix}{n}@example.com", password=None, verification_level="verified"
        )
        fund(user, FUNDS)
        ids.append(user.pk)
    return ids


def seq_gap_free(symbol: str) -> bool:
    """Whether the pair's numbered commands are exactly 1..n."""
    from trading.models import MatcherCommand

    seqs = list(
        MatcherCommand.objects.filter(pair__symbol=symbol, seq__isnull=False)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    return seqs == list(range(1, len(seqs) + 1))


def not_stored(outcomes: Sequence[Outcome]) -> int:
    """Commands answered (run or refused) that the database does not hold exactly once."""
    from trading.models import MatcherCommand

    answered = {item.command_id for item in outcomes if item.answer != "unavailable"}
    stored: set[str] = set()
    ids = sorted(answered)
    for start in range(0, len(ids), 5000):
        stored.update(
            MatcherCommand.objects.filter(id__in=ids[start : start + 5000]).values_list(
                "id", flat=True
            )
        )
    return len(answered - stored)


def rejected_orders() -> int:
    from trading.models import Order, OrderStatus

    return Order.objects.filter(status=OrderStatus.REJECTED).count()


# --- matcher processes ---------------------------------------------------------------------------------


def start_matcher(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`manage.py matcher ARGS` with `env` (its output read at `stop_matcher`). With BENCH_PROFILE set to a
    folder, the process runs under cProfile (CPU time: bench/profiled.py) and leaves `matcher-<ns>.prof` there
    when it stops."""
    profile = []
    if folder := os.environ.get("BENCH_PROFILE"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        profile = ["bench/profiled.py", f"{folder}/matcher-{time.time_ns()}.prof"]
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, *profile, "manage.py", "matcher", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_alive(
    url: str, symbols: Sequence[str], processes: Sequence[subprocess.Popen[str]]
) -> None:
    import redis

    from trading.matcher.transport import alive_key

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 60
    while not all(client.exists(alive_key(symbol)) for symbol in symbols):
        if any(process.poll() is not None for process in processes):
            raise SystemExit("a matcher process exited during start-up")
        if time.monotonic() > deadline:
            raise SystemExit(f"no matcher showed itself alive for {', '.join(symbols)}")
        time.sleep(0.05)


def stop_matcher(process: subprocess.Popen[str]) -> tuple[int, int]:
    """SIGTERM (it finishes what it read), then (commands, batches) from its closing line."""
    if process.poll() is not None:
        print(f"matcher {process.pid} had exited with {process.returncode}", file=sys.stderr)
    process.terminate()
    try:
        out, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    found = re.search(r"stopped after (\d+) commands in (\d+) batches", out or "")
    return (int(found[1]), int(found[2])) if found else (0, 0)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuWindow:
    """The CPU time processes use between two moments (time.monotonic()), sampled by a thread."""

    def __init__(self, pids: Sequence[int], start: float, stop: float) -> None:
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, args=(list(pids), start, stop))
        self._thread.start()

    def _run(self, pids: list[int], start: float, stop: float) -> None:
        time.sleep(max(0.0, start - time.monotonic()))
        before = sum(cpu_seconds(pid) for pid in pids)
        time.sleep(max(0.0, stop - time.monotonic()))
        self.seconds = sum(cpu_seconds(pid) for pid in pids) - before

    def result(self) -> float:
        self._thread.join()
        return self.seconds


# --- the submitters ------------------------------------------------------------------------------------


def _matcher_command(
    core: Any, symbol: str, users: list[int], ids: dict[int, int], name: str
) -> Any:
    """The matcher's command for a core command of the mix; None for a cancel of an order with no id."""
    from django.utils import timezone

    from activities.actor import Actor
    from trading.matcher.commands import CancelOrder, PlaceOrder

    now = timezone.now()
    if isinstance(core, Place):
        return PlaceOrder(
            symbol=symbol,
            at=now,
            actor=Actor.system(),
            user_id=users[core.user_id],
            account=ACCOUNT,
            side=core.side.value,
            order_type=core.order_type.value,
            time_in_force=core.time_in_force.value,
            client_order_id=f"{name}-{core.order_id}",
            fingerprint="bench",
            amount=core.amount,
            price=core.price,
        )
    assert isinstance(core, Cancel)
    order_id = ids.get(core.order_id)
    if order_id is None:
        return None
    return CancelOrder(
        symbol=symbol, at=now, actor=Actor.system(), user_id=users[core.user_id], order_id=order_id
    )


def _thread(
    transport: Any,
    symbol: str,
    seed: int,
    users: list[int],
    stop_at: float,
    wait: float,
    out: list[Outcome],
) -> None:
    from trading.errors import TradingUnavailableError

    mix = Mix(seed)
    ids: dict[int, int] = {}  # the mix's order id -> the database's
    while time.monotonic() < stop_at:
        core = mix.next()
        command = _matcher_command(core, symbol, users, ids, f"b{seed}")
        if command is None:
            continue
        started = time.monotonic()
        try:
            reply = transport.submit(command, wait=wait)
        except TradingUnavailableError:
            answer = "unavailable"
            time.sleep(0.1)  # as a client would before trying again
        else:
            answer = "unavailable" if reply.unavailable else "refused" if reply.error else "ok"
            if isinstance(core, Place) and reply.order_ids:
                ids[core.order_id] = reply.order_ids[0]
        done = time.monotonic()
        out.append(Outcome(symbol, command.id, answer, done, done - started))


def submitter(
    number: int,
    threads: int,
    symbols: Sequence[str],
    users: list[int],
    start_at: float,
    stop_at: float,
) -> tuple[list[Outcome], float]:
    """One submitting process (forked): `threads` threads, thread t of process p on symbols[(p*threads + t) %
    len(symbols)], each submitting one command at a time from `start_at` until `stop_at`. Returns what they saw
    and the CPU seconds the process used meanwhile."""
    from django.conf import settings

    from trading.matcher.transport import StreamTransport

    wait = settings.TRADING_MATCHER_WAIT_S
    transport = StreamTransport(settings.TRADING_MATCHER_URL, wait=wait)
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu = time.process_time()
    outs: list[list[Outcome]] = [[] for _ in range(threads)]
    workers = []
    for t in range(threads):
        index = number * threads + t
        worker = threading.Thread(
            target=_thread,
            args=(
                transport,
                symbols[index % len(symbols)],
                index + 1,
                users,
                stop_at,
                wait,
                outs[t],
            ),
        )
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join()
    return [item for out in outs for item in out], time.process_time() - cpu


@dataclass(frozen=True, slots=True)
class Window:
    """What the submitters measured between `start` and `stop` (time.monotonic()), the CPU seconds the
    watched processes used meanwhile, and the submitters' own CPU seconds (warm-up included)."""

    outcomes: list[Outcome]
    start: float
    stop: float
    cpu: float
    submitters_cpu: float

    def inside(self, symbol: str | None = None) -> list[Outcome]:
        """The commands answered (run, or refused by the matcher) within the window."""
        return [
            item
            for item in self.outcomes
            if self.start <= item.done <= self.stop
            and item.answer != "unavailable"
            and symbol in (None, item.symbol)
        ]

    def per_second(self, symbol: str | None = None) -> float:
        return len(self.inside(symbol)) / (self.stop - self.start)


def drive(
    *,
    processes: int,
    threads: int,
    symbols: Sequence[str],
    users: list[int],
    warm: float,
    seconds: float,
    watch: Sequence[int] = (),
) -> Window:
    """Run `processes` x `threads` submitters for `warm` + `seconds`; the window is the last `seconds`, and
    the CPU of the `watch`ed processes is taken over it."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children open their own when they need one
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        start_at = time.monotonic() + 1.0  # every child forked and its threads about to start
        measured, stop_at = start_at + warm, start_at + warm + seconds
        cpu = CpuWindow(watch, measured, stop_at)
        results = pool.starmap(
            submitter,
            [(number, threads, symbols, users, start_at, stop_at) for number in range(processes)],
        )
    return Window(
        [item for outcomes, _ in results for item in outcomes],
        measured,
        stop_at,
        cpu.result(),
        sum(seconds for _, seconds in results),
    )
