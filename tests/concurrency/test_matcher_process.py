"""Matcher processes fed through Redis Streams (PostgreSQL + Redis only): real `manage.py matcher` processes
against the test database, the doors in this process with `TRADING_MATCHER=redis`.

- orders placed through the broker match and answer as the embedded matcher does;
- a pair whose matcher is down is refused with 503 within the bounded wait, and other pairs keep trading;
- `kill -9` of the matcher mid-storm loses nothing that was answered and runs nothing twice;
- two processes on disjoint pairs keep each pair's sequence gap-free;
- a matcher busy with a batch longer than its alive key's expiry still shows itself alive;
- a reply is sent at the commit, before the after-commit pushes.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection

from accounts.services import user_create
from activities.actor import Actor
from common import events as common_events
from conditions.models import Pair
from tests.concurrency.invariants import check_trading_invariants
from trading.errors import OrderFinalError, OrderNotFoundError, TradingUnavailableError
from trading.matcher.commands import Command, ExpireDue, Reply, encode
from trading.matcher.process import MatcherProcess, shard_of
from trading.matcher.runner import Runner
from trading.matcher.transport import ALIVE_TTL_S, alive_key, stream_key
from trading.models import OPEN_STATUSES, MatcherCommand, Order, OrderStatus, Side
from trading.services import order_cancel, order_place
from trading.tests.helpers import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _forget_trading_keys(client: redis.Redis) -> None:
    stale = list(client.scan_iter("trading:*"))
    if stale:
        client.delete(*stale)


def _doors_through_redis(settings: Any, *, wait: float) -> redis.Redis:
    """The doors of this process send to matchers through the test's Redis (emptied of trading keys first),
    waiting `wait` seconds for a reply; returns a client of it."""
    url = settings.REDIS_URL
    if not url:
        pytest.skip("needs REDIS_URL")
    client = redis.Redis.from_url(url)
    _forget_trading_keys(client)
    settings.TRADING_MATCHER, settings.TRADING_MATCHER_URL = "redis", url
    settings.TRADING_MATCHER_WAIT_S = wait
    return client


@pytest.fixture
def broker(settings: Any) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start matcher processes on the test database; the doors here send to them through Redis."""
    client = _doors_through_redis(settings, wait=3.0)
    url = settings.REDIS_URL
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": url,
        "TRADING_MATCHER": "redis",
        "TRADING_EXPIRY_INTERVAL_S": "1",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, symbols: tuple[str, ...] = ("BTC-USD",)) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "manage.py", "matcher", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while not all(client.exists(f"trading:alive:{symbol}") for symbol in symbols):
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the matcher did not come up"
            time.sleep(0.05)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    _forget_trading_keys(client)


def _trader(n: int) -> Any:
    trader = user_create(
        email=f"t{n}@example.com", password="p" * 12, verification_level="verified"
    )
    fund(trader, USD="200000", BTC="3", ETH="40")
    return trader


def _assert_gap_free(pair: Pair) -> None:
    """The pair's commands are numbered 1, 2, 3, ... with no gap and no number twice."""
    seqs = list(
        MatcherCommand.objects.filter(pair=pair, seq__isnull=False)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, len(seqs) + 1))
    assert seqs


def _place(trader: Any, side: str, amount: str, price: str | None, **extra: Any) -> Any:
    return order_place(
        user=trader,
        account="sub1",
        pair=extra.pop("pair", "BTC-USD"),
        side=side,
        order_type="Limit" if price else "Market",
        amount=Decimal(amount),
        price=Decimal(price) if price else None,
        actor=Actor.system(),
        **extra,
    )


def test_orders_through_the_broker_match_and_answer_after_commit(
    market: list[Pair], broker: Any
) -> None:
    broker("--pairs", "BTC-USD")
    alice, bob = _trader(1), _trader(2)
    resting = _place(alice, "SELL", "0.5", "50000")
    assert resting.order.status == OrderStatus.NEW
    taking = _place(bob, "BUY", "0.2", "50000")
    assert taking.order.status == OrderStatus.FILLED
    assert [trade.amount for trade in taking.trades] == [Decimal("0.2")]
    resting.order.refresh_from_db()
    assert resting.order.status == OrderStatus.PARTIALLY_FILLED
    cancelled = order_cancel(user=alice, order_id=resting.order.pk, actor=Actor.system())
    assert cancelled.status == OrderStatus.CANCELLED
    with pytest.raises(OrderFinalError):
        order_cancel(user=alice, order_id=resting.order.pk, actor=Actor.system())
    # Each command is numbered in the pair's sequence, gap-free.
    _assert_gap_free(market[0])
    assert MatcherCommand.objects.filter(pair=market[0]).count() >= 4
    check_trading_invariants()
    # The pair's event stream in the broker: numbered +1 from 1, in commit order, every kind of change.
    entries = redis.Redis.from_url(settings.TRADING_MATCHER_URL).xrange("trading:events:BTC-USD")
    assert [int(fields[b"seq"]) for _, fields in entries] == list(range(1, len(entries) + 1))
    kinds = [fields[b"type"].decode() for _, fields in entries]
    assert {"order", "trade", "book", "balance"} <= set(kinds)
    executions = [
        json.loads(fields[b"data"])["execution_type"]
        for _, fields in entries
        if fields[b"type"] == b"order"
        and json.loads(fields[b"data"])["order_id"] == resting.order.pk
    ]
    assert executions == ["New", "Trade", "Canceled"]


def test_a_pair_without_its_matcher_is_refused_in_bounded_time_and_others_trade(
    market: list[Pair], broker: Any
) -> None:
    broker("--pairs", "ETH-USD", symbols=("ETH-USD",))
    alice = _trader(1)
    started = time.monotonic()
    with pytest.raises(TradingUnavailableError) as refused:
        _place(alice, "BUY", "0.1", "40000", client_order_id="no-matcher")
    assert time.monotonic() - started < settings.TRADING_MATCHER_WAIT_S
    assert refused.value.message == "Trading is temporarily unavailable for BTC-USD"
    assert not Order.objects.filter(client_order_id="no-matcher").exists()
    # The other pair's matcher is up: it trades.
    assert _place(alice, "BUY", "1", "2400", pair="ETH-USD").order.status == OrderStatus.NEW


def test_a_command_abandoned_by_its_door_never_runs(market: list[Pair], broker: Any) -> None:
    matcher = broker("--pairs", "BTC-USD")
    alice = _trader(1)
    matcher.send_signal(signal.SIGSTOP)  # alive for a moment more, but taking nothing
    try:
        with pytest.raises(TradingUnavailableError):
            _place(alice, "BUY", "0.1", "40000", client_order_id="late")
    finally:
        matcher.send_signal(signal.SIGCONT)
    client = redis.Redis.from_url(settings.TRADING_MATCHER_URL)
    deadline = time.monotonic() + 10
    while not client.exists("trading:alive:BTC-USD") and time.monotonic() < deadline:
        time.sleep(0.05)
    # The matcher reads the command now, finds its door gave up, and drops it.
    assert (
        _place(alice, "BUY", "0.1", "40000", client_order_id="after").order.status
        == OrderStatus.NEW
    )
    assert not Order.objects.filter(client_order_id="late").exists()


def _storm(
    trader: Any, seed: int, rounds: int, answered: list[tuple[str, int, str]], refused: list[str]
) -> None:
    """Random limit, IOC and market orders and cancels on both pairs; records every answer and every 503."""
    rng = random.Random(seed)  # noqa: S311 - test data
    mine: list[int] = []
    for n in range(rounds):
        symbol, mid = rng.choice([("BTC-USD", 50000), ("ETH-USD", 2500)])
        roll = rng.random()
        try:
            if mine and roll < 0.2:
                order_cancel(
                    user=trader, order_id=mine.pop(rng.randrange(len(mine))), actor=Actor.system()
                )
                continue
            tick = Decimal("0.1") if symbol == "BTC-USD" else Decimal("0.01")
            price = Decimal(mid) * (1 + Decimal(rng.randint(-20, 20)) / 1000)
            price = (price / tick).to_integral_value() * tick
            lot = Decimal("0.001") if symbol == "BTC-USD" else Decimal("0.01")
            kind = "Market" if roll > 0.9 else "Limit"
            client_id = f"{seed}-{n}"
            result = order_place(
                user=trader,
                account="sub1",
                pair=symbol,
                side=rng.choice([Side.BUY, Side.SELL]),
                order_type=kind,
                amount=Decimal(rng.randint(1, 40)) * lot,
                price=None if kind == "Market" else price,
                time_in_force="IOC" if 0.8 < roll <= 0.9 else None,
                client_order_id=client_id,
                actor=Actor.system(),
            )
            answered.append((client_id, result.order.pk, result.order.status))
            if result.order.status in OPEN_STATUSES:
                mine.append(result.order.pk)
        except TradingUnavailableError:
            refused.append(f"{seed}-{n}")
        except (OrderFinalError, OrderNotFoundError):
            pass
        finally:
            connection.close()


def test_kill_9_mid_storm_loses_nothing_answered_and_runs_nothing_twice(
    market: list[Pair], broker: Any
) -> None:
    first = broker("--shard", "0/1", symbols=("BTC-USD", "ETH-USD"))
    traders = [_trader(n) for n in range(6)]
    answered: list[tuple[str, int, str]] = []
    refused: list[str] = []
    threads = [
        threading.Thread(target=_storm, args=(trader, n, 40, answered, refused))
        for n, trader in enumerate(traders)
    ]
    for thread in threads:
        thread.start()
    while len(answered) < 40:
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    broker("--shard", "0/1", symbols=("BTC-USD", "ETH-USD"))
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert len(answered) > 80

    # Every answered order is in the database exactly once, as answered or further along.
    for client_id, order_id, _status in answered:
        assert list(
            Order.objects.filter(client_order_id=client_id).values_list("pk", flat=True)
        ) == [order_id]
    # A clientOrderId refused with 503 placed nothing.
    assert not Order.objects.filter(client_order_id__in=refused).exists()
    # No command ran twice: one row per id, and each pair's sequence is gap-free.
    for pair in market:
        _assert_gap_free(pair)
    check_trading_invariants()


def test_two_matchers_on_disjoint_shards_keep_each_sequence_gap_free(
    market: list[Pair], broker: Any
) -> None:
    shards = {symbol: shard_of(symbol, 2) for symbol in ("BTC-USD", "ETH-USD")}
    for shard in sorted(set(shards.values())):
        broker("--shard", f"{shard}/2", symbols=tuple(s for s, k in shards.items() if k == shard))
    traders = [_trader(n) for n in range(4)]
    answered: list[tuple[str, int, str]] = []
    refused: list[str] = []
    threads = [
        threading.Thread(target=_storm, args=(t, n, 25, answered, refused))
        for n, t in enumerate(traders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert refused == []
    assert {symbol for symbol in Order.objects.values_list("pair__symbol", flat=True)} == {
        "BTC-USD",
        "ETH-USD",
    }
    for pair in market:
        _assert_gap_free(pair)
    check_trading_invariants()


class _HeldRunner(Runner):
    """Holds its batch until released: a batch that lasts as long as the test wants (a slow database, a lock
    wait, a loaded machine)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def run(self, commands: Any) -> list[Reply]:
        self.entered.set()
        self.release.wait(timeout=30)
        return [Reply(command.id) for command in commands]


def test_a_matcher_busy_with_a_long_batch_still_shows_itself_alive(settings: Any) -> None:
    """The doors refuse a pair at once when its alive key is missing: that must mean the matcher is down, not
    that its batch outlasted the key's expiry (the doors' own wait bounds a slow batch)."""
    url = settings.REDIS_URL
    if not url:
        pytest.skip("needs REDIS_URL")
    client = redis.Redis.from_url(url)
    _forget_trading_keys(client)
    runner = _HeldRunner()
    matcher = MatcherProcess(symbols=["BTC-USD"], consumer="held", url=url, runner=runner)
    serving = threading.Thread(target=matcher.run)
    serving.start()
    try:
        command: Command = ExpireDue(symbol="BTC-USD", at=datetime.now(UTC))
        client.xadd(stream_key("BTC-USD"), {"c": encode(command)})
        assert runner.entered.wait(timeout=30)
        time.sleep(ALIVE_TTL_S + 1.5)  # longer than the key lives without renewal
        assert client.exists(alive_key("BTC-USD"))
    finally:
        runner.release.set()
        matcher.stop()
        serving.join(timeout=30)
    assert not serving.is_alive()
    # Stopped: the key goes at once, and nothing sets it again.
    time.sleep(1.5)
    assert not client.exists(alive_key("BTC-USD"))
    _forget_trading_keys(client)


def test_a_reply_leaves_at_the_commit_before_the_pushes_nobody_waits_for(
    market: list[Pair], settings: Any
) -> None:
    """The door waits on its reply; the sockets' frames and the event stream hold nobody up. So the matcher
    sends the reply as the batch commits, before it formats and pushes the rest: here each push waits for the
    door to have its answer, which it gets only if the reply went first."""
    client = _doors_through_redis(settings, wait=10.0)
    alice = _trader(1)
    answered = threading.Event()
    answered_before_push: list[bool] = []
    placed: list[Any] = []

    def sink(event: Any) -> None:
        answered_before_push.append(answered.wait(timeout=10))

    def door() -> None:
        try:
            placed.append(_place(alice, "SELL", "0.1", "50000"))
            answered.set()
        finally:
            connection.close()

    matcher = MatcherProcess(symbols=["BTC-USD"], consumer="first", url=settings.REDIS_URL)

    def serve() -> None:
        try:
            matcher.run()
        finally:
            connection.close()

    serving = threading.Thread(target=serve)
    serving.start()
    common_events.subscribe(sink)
    try:
        placing = threading.Thread(target=door)
        placing.start()
        placing.join(timeout=30)
    finally:
        # The sink goes only once the matcher stopped: with the reply sent first, the door may be done before
        # the matcher delivers the batch's pushes.
        matcher.stop()
        serving.join(timeout=30)
        common_events._sinks.remove(sink)
    assert [result.order.status for result in placed] == [OrderStatus.NEW]
    assert (
        answered_before_push
    )  # the order's events were pushed (accepted, book level, balance held)
    assert all(answered_before_push)
    _forget_trading_keys(client)
