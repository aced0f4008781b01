"""Benchmark: the pure trading core (trading/core) in one process, no Django, no database.

    .venv/bin/python bench/trading_core.py [--commands 200000] [--seed 1] [--book 2000]

One BTC-USD book (fees in USD, 0.1 % maker / 0.2 % taker), 50 traders, pre-filled with `--book` resting orders
around 50,000. The timed mix, generated beforehand (nothing but `PairEngine.apply` is timed):

  60 %  resting  GTC limit orders that do not cross: buys below the mid price, sells above it;
  30 %  crossing IOC limit orders priced through the whole other side, sized like the resting ones: one to a
        few trades each (and the odd self-trade prevention);
  10 %  cancels  of an earlier resting order (some have filled meanwhile and are refused: still a command).

It runs the mix twice on fresh books: once untimed per command for throughput, once timing every command for
the latency percentiles. Prints `name: value` lines: throughput by the wall clock and by the process's CPU time
(on a shared machine the first depends on what else runs; the load average is printed so it can be judged).
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trading.core import (  # noqa: E402 (pure package, no Django)
    Cancel,
    CommandRefused,
    OrderType,
    PairEngine,
    PairSpec,
    Place,
    Side,
    TimeInForce,
    Trade,
)
from trading.core.commands import Command  # noqa: E402

SPEC = PairSpec(
    symbol="BTC-USD",
    base="BTC",
    quote="USD",
    quote_places=2,
    fee_currency="USD",
    fee_places=2,
    lot_size=Decimal("0.0001"),
)
MID_TICKS = 500_000  # 50,000.0 at a 0.1 tick
TICK = Decimal("0.1")
SPREAD_TICKS = 200
TRADERS = 50
MAKER, TAKER = Decimal("0.1"), Decimal("0.2")
START = datetime(2026, 1, 1, tzinfo=UTC)


class Mix:
    """Generates the commands (seeded, so every run and both passes see the same ones)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_id = 0
        self.resting: list[tuple[int, int]] = []  # (order id, user id) of placed resting orders

    def _place(self, side: Side, ticks: int, lots: int, tif: TimeInForce) -> Place:
        self.next_id += 1
        user = self.rng.randrange(TRADERS)
        if tif is TimeInForce.GTC:
            self.resting.append((self.next_id, user))
        return Place(
            command_id=f"c{self.next_id}",
            at=START + timedelta(microseconds=self.next_id),
            order_id=self.next_id,
            user_id=user,
            account_id=user,
            side=side,
            order_type=OrderType.LIMIT,
            time_in_force=tif,
            amount=Decimal(lots).scaleb(-4),
            price=TICK * ticks,
            maker_rate=MAKER,
            taker_rate=TAKER,
        )

    def resting_order(self) -> Place:
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        away = self.rng.randint(1, SPREAD_TICKS)
        ticks = MID_TICKS - away if side is Side.BUY else MID_TICKS + away
        return self._place(side, ticks, self.rng.randint(10, 1000), TimeInForce.GTC)

    def crossing_order(self) -> Place:
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        ticks = MID_TICKS + SPREAD_TICKS if side is Side.BUY else MID_TICKS - SPREAD_TICKS
        return self._place(side, ticks, self.rng.randint(10, 1000), TimeInForce.IOC)

    def cancel(self) -> Command:
        if not self.resting:
            return self.resting_order()
        index = self.rng.randrange(len(self.resting))
        self.resting[index], self.resting[-1] = self.resting[-1], self.resting[index]
        order_id, user = self.resting.pop()
        return Cancel(command_id=f"x{order_id}", at=START, order_id=order_id, user_id=user)

    def next(self) -> Command:
        """One command of the mix: 60 % resting, 30 % crossing, 10 % cancels."""
        draw = self.rng.random()
        if draw < 0.6:
            return self.resting_order()
        if draw < 0.9:
            return self.crossing_order()
        return self.cancel()

    def commands(self, count: int) -> list[Command]:
        return [self.next() for _ in range(count)]


def fresh_engine(seed_commands: list[Command]) -> PairEngine:
    engine = PairEngine(SPEC)
    for command in seed_commands:
        engine.apply(command)
    return engine


def measure(*, commands: int, book: int, seed: int) -> dict[str, float]:
    """Run the mix through one `PairEngine` (see the module's docstring) and return its figures."""
    mix = Mix(seed)
    seed_commands: list[Command] = [mix.resting_order() for _ in range(book)]
    timed = mix.commands(commands)

    engine = fresh_engine(seed_commands)
    apply = engine.apply
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    for command in timed:
        apply(command)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    open_after = sum(1 for _ in engine.open_orders())

    # The same commands again on a fresh book, each timed; the events are counted outside the timing.
    engine = fresh_engine(seed_commands)
    apply = engine.apply
    gc.collect()
    latencies = []
    trades = refused = 0
    clock = time.perf_counter_ns
    for command in timed:
        begin = clock()
        result = apply(command)
        latencies.append(clock() - begin)
        for event in result.events:
            trades += isinstance(event, Trade)
            refused += isinstance(event, CommandRefused)
    latencies.sort()
    crossing = sum(
        isinstance(command, Place) and command.time_in_force is TimeInForce.IOC for command in timed
    )
    return {
        "commands": len(timed),
        "commands/s": len(timed) / elapsed,
        "commands per CPU second": len(timed) / cpu,
        "p50 µs": latencies[len(latencies) // 2] / 1000,
        "p99 µs": latencies[int(len(latencies) * 0.99)] / 1000,
        "mean µs": statistics.fmean(latencies) / 1000,
        "trades": trades,
        "trades per crossing order": trades / crossing,
        "cancels refused": refused,
        "open orders at the end": open_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200_000)
    parser.add_argument("--book", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    core = measure(commands=args.commands, book=args.book, seed=args.seed)
    print(f"core commands: {core['commands']:.0f} (60% resting, 30% crossing IOC, 10% cancels)")
    print(f"core commands/s: {core['commands/s']:,.0f}")
    print(f"core commands per CPU second: {core['commands per CPU second']:,.0f}")
    print(f"core p50 µs: {core['p50 µs']:.1f}")
    print(f"core p99 µs: {core['p99 µs']:.1f}")
    print(f"core mean µs: {core['mean µs']:.1f}")
    print(
        f"core trades: {core['trades']:.0f} ({core['trades per crossing order']:.2f} per crossing order)"
    )
    print(f"core cancels refused (order already filled): {core['cancels refused']:.0f}")
    print(f"core open orders at the end: {core['open orders at the end']:.0f}")
    print(f"machine cpus: {os.cpu_count()}")
    print(f"machine load (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
