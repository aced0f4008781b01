"""What a pair's engine is asked to do. Every command carries the id it is deduplicated by (the matcher's job)
and `at`, the matcher's clock when it took the command: the core reads no clock of its own, so one command on
one book always gives the same events.

The door checks the pair's trading rules (tick, lot, bounds, pair status, the caller's clientOrderId) before a
command is queued; the core re-checks only what it must to stay consistent (see `PairEngine.apply`).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trading.core.rules import OrderType, Side, TimeInForce


@dataclass(frozen=True, slots=True)
class Place:
    """A new order. `order_id` is assigned before queueing (unique per pair for ever), so the caller knows it
    before the answer. `amount` is in base; `quote_amount` (market buys only) is what to spend instead.
    `price` is the limit (ignored for market orders). `maker_rate`/`taker_rate` are the fee rates in percent in
    force at placement. `expire_at` is used with GTD only."""

    command_id: str
    at: datetime
    order_id: int
    user_id: int
    account_id: int
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    amount: Decimal | None = None
    quote_amount: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    expire_at: datetime | None = None
    maker_rate: Decimal = Decimal(0)
    taker_rate: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Cancel:
    """Cancel one open order of `user_id`."""

    command_id: str
    at: datetime
    order_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every open order of `user_id` on this pair, or only those of `account_ids` when given."""

    command_id: str
    at: datetime
    user_id: int
    account_ids: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class ExpireDue:
    """Expire every open GTD order whose `expire_at` is at or before `at`."""

    command_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TriggerStops:
    """Trigger the stop orders the last trade price has reached that an earlier cascade left waiting."""

    command_id: str
    at: datetime


Command = Place | Cancel | CancelAll | ExpireDue | TriggerStops
