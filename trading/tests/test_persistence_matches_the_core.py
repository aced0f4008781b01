"""What the writer stores against what the core decides: the same random orders placed through the doors
(`trading.services`: the matcher, `trading.persistence`, the ledger, fees) and applied to a bare `PairEngine`
give the same trades and leave every stored order in the state the core's events give (status, executed
amounts, fee, hold).

The scenarios were written against the database-backed matching the core replaced, so they stay clear of where
the two differed (trading/README.md): no FOK or GTD stop orders, and two large asks far above the market always
rest behind whatever a market buy by quote amount meets. They run twice: at round figures (prices in tens,
amounts in thousandths: every value in whole cents), and at cent prices with amounts in satoshi near a few
round sizes, so values have up to 10 decimals to cut to cents and remainders of a few satoshi (worth less than
a cent: dust fills) are common.
"""

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.services import user_create
from activities.actor import Actor
from conditions.models import Pair
from trading.core import (
    Cancel,
    HoldReleased,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderType,
    PairEngine,
    Place,
    Result,
    Side,
    TimeInForce,
    Trade,
)
from trading.models import OPEN_STATUSES, Order
from trading.models import Trade as TradeRow
from trading.services import order_cancel
from trading.tests.core_kit import BTC_USD, D, trade_key
from trading.tests.helpers import fund, place

pytestmark = pytest.mark.django_db


class CoreLedger:
    """Each order's state as the core's events tell it, in the stored order's terms, and the trades."""

    def __init__(self) -> None:
        self.state: dict[int, dict[str, Any]] = {}
        self.trades: list[tuple[Any, ...]] = []

    def apply(self, result: Result) -> None:
        for event in result.events:
            if isinstance(event, OrderAccepted):
                self.state[event.order_id] = {
                    "status": "NEW",
                    "executed_amount": D(0),
                    "executed_quote": D(0),
                    "fee_amount": D(0),
                    "hold_initial": event.hold,
                    "hold_remaining": event.hold,
                }
            elif isinstance(event, OrderRejected):
                self.state[event.order_id] = {"status": "REJECTED", "hold_remaining": D(0)}
            elif isinstance(event, Trade):
                self.trades.append(trade_key(event))
                for side in event.sides():
                    row = self.state[side.order_id]
                    row["executed_amount"] += event.amount
                    row["executed_quote"] += event.quote_amount
                    row["fee_amount"] += side.fee
                    row["hold_remaining"] -= side.from_hold
            elif isinstance(event, OrderFilled):
                self.state[event.order_id]["status"] = event.status.value
            elif isinstance(event, HoldReleased):
                self.state[event.order_id]["hold_remaining"] -= event.amount
            elif isinstance(event, OrderCancelled):
                self.state[event.order_id]["status"] = "CANCELLED"
            elif isinstance(event, OrderExpired):
                self.state[event.order_id]["status"] = "EXPIRED"


def stored(order: Order, fields: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(order, name) for name in fields}


SATOSHI = Decimal("0.00000001")


def round_figures(rng: random.Random) -> tuple[str, str]:
    """(amount, price): thousandths at tens of dollars, so every value is in whole cents."""
    return str(D(rng.randint(1, 300)) / 1000), str(D(rng.randint(4900, 5100) * 10))


def sub_cent_figures(rng: random.Random) -> tuple[str, str]:
    """(amount, price): a few satoshi off a round size at a cent price: values to cut, dust remainders."""
    size = D(rng.choice(["0.001", "0.002", "0.005", "0.01"])) + rng.randint(-20, 20) * SATOSHI
    return str(size), str(D(rng.randint(4_990_000, 5_010_000)) / 100)


@pytest.mark.parametrize(
    ("seed", "figures"),
    [(seed, round_figures) for seed in range(6)] + [(seed, sub_cent_figures) for seed in range(6)],
)
def test_random_orders_trade_and_end_the_same_in_the_core_and_in_the_engine(
    seed: int, figures: Any, alice: Any, bob: Any
) -> None:
    carol = user_create(email="carol@example.com", password="x" * 12, verification_level="verified")
    backstop = user_create(
        email="dave@example.com", password="x" * 12, verification_level="verified"
    )
    traders = [alice, bob, carol]
    for user in [*traders, backstop]:
        fund(user, USD="10000000", BTC="1000")
    rng = random.Random(seed)
    spec = BTC_USD
    if figures is sub_cent_figures:
        Pair.objects.update(tick_size=D("0.01"), lot_size=SATOSHI)
        spec = replace(BTC_USD, lot_size=SATOSHI)
    engine = PairEngine(spec)
    ledger = CoreLedger()
    now = timezone.now()

    def core_place(order: Order, **extra: Any) -> None:
        ledger.apply(
            engine.apply(
                Place(
                    command_id=f"place-{order.pk}",
                    at=now,
                    order_id=order.pk,
                    user_id=order.user_id,
                    account_id=order.account_id,
                    side=Side(order.side),
                    order_type=OrderType(order.order_type),
                    time_in_force=TimeInForce(order.time_in_force),
                    amount=order.amount,
                    quote_amount=order.quote_amount,
                    price=order.price,
                    stop_price=order.stop_price,
                    maker_rate=order.maker_rate,
                    taker_rate=order.taker_rate,
                    **extra,
                )
            )
        )

    for price in ("90000", "95000"):
        core_place(place(backstop, "SELL", "5", price, now=now).order)
    for _ in range(30):
        now += timedelta(seconds=1)
        user = rng.choice(traders)
        side = rng.choice(["BUY", "SELL"])
        amount, price = figures(rng)
        what = rng.choice(["limit"] * 5 + ["ioc", "fok", "market", "quote", "stop", "cancel"])
        if what == "cancel":
            open_orders = list(Order.objects.filter(status__in=OPEN_STATUSES, user__in=traders))
            if not open_orders:
                continue
            target = rng.choice(open_orders)
            order_cancel(user=target.user, order_id=target.pk, actor=Actor.system(), now=now)
            ledger.apply(
                engine.apply(Cancel(f"cancel-{target.pk}", now, target.pk, target.user_id))
            )
        else:
            kwargs: dict[str, Any] = {"now": now}
            if what in ("ioc", "fok"):
                kwargs["time_in_force"] = what.upper()
            if what == "stop":
                kwargs |= {
                    "order_type": "Stop Limit",
                    "stop_price": D(rng.randint(4950, 5050) * 10),
                }
            if what == "market":
                order = place(user, side, amount, **kwargs).order
            elif what == "quote":
                order = place(
                    user, "BUY", None, quote_amount=D(rng.randint(1000, 30000)) / 100, **kwargs
                ).order
            else:
                order = place(user, side, amount, price, **kwargs).order
            core_place(order)
        # Same trades, and every order in the same state, after every command.
        assert ledger.trades == [trade_key(t) for t in TradeRow.objects.order_by("id")]
        for order in Order.objects.all():
            expected = ledger.state[order.pk]
            assert stored(order, expected) == expected, order.pk
            open_order = engine.order(order.pk)
            assert (open_order is not None) == (order.status in OPEN_STATUSES)
            if open_order is not None:
                assert open_order.remaining == order.remaining
                assert open_order.is_triggered == order.is_triggered
    if figures is sub_cent_figures:  # the scenario does what it is for: values cut to cents
        assert any(t.quote_amount != t.amount * t.price for t in TradeRow.objects.all())
