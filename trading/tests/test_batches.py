"""Batches of many commands against one command at a time: random orders and cancels of three traders run
through the matcher's `Runner` in batches of 1 to 8 commands (so placements, fills, holds and cancels of the
same accounts meet inside one batch, against balances read once), and the same commands applied one by one to a
bare `PairEngine`. After every batch: the same trades, every stored order in the state the core's events give,
and every ledger invariant (journal sums, balances, holds equal to what open orders hold, the book not crossed).
Half the seeds keep the books between batches, as a matcher process does."""

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.services import user_create
from activities.actor import Actor
from tests.concurrency.invariants import check_trading_invariants
from trading.core import Cancel, OrderType, PairEngine, Place, Side, TimeInForce
from trading.matcher.commands import CancelOrder, Command, PlaceOrder
from trading.matcher.runner import Runner
from trading.models import OPEN_STATUSES, Order
from trading.models import Trade as TradeRow
from trading.tests.core_kit import BTC_USD, D, trade_key
from trading.tests.helpers import SUB, fund
from trading.tests.test_persistence_matches_the_core import CoreLedger, stored

pytestmark = pytest.mark.django_db


def _place(user: Any, rng: random.Random, at: Any) -> PlaceOrder:
    kind = rng.choice(["limit"] * 6 + ["ioc", "fok", "market"])
    side = rng.choice(["BUY", "SELL"])
    amount = D(rng.randint(1, 300)) / 1000
    return PlaceOrder(
        symbol="BTC-USD",
        at=at,
        actor=Actor.system(),
        user_id=user.pk,
        account=SUB,
        side=side,
        order_type="Market" if kind == "market" else "Limit",
        time_in_force={"ioc": "IOC", "fok": "FOK", "market": "IOC"}.get(kind, "GTC"),
        client_order_id="",
        fingerprint="",
        amount=amount,
        price=None if kind == "market" else D(rng.randint(4900, 5100) * 10),
    )


@pytest.mark.parametrize(("seed", "keep"), [(seed, seed % 2 == 1) for seed in range(6)])
def test_batches_of_many_commands_end_as_one_command_at_a_time(
    seed: int, keep: bool, alice: Any, bob: Any
) -> None:
    carol = user_create(email="carol@example.com", password="x" * 12, verification_level="verified")
    traders = [alice, bob, carol]
    for user in traders:
        fund(user, USD="10000000", BTC="1000")
    rng = random.Random(seed)
    runner = Runner(keep_books=keep)
    engine = PairEngine(BTC_USD)
    ledger = CoreLedger()
    now = timezone.now()
    sizes = []
    for _ in range(12):
        batch: list[Command] = []
        for _ in range(rng.randint(1, 8)):
            now += timedelta(milliseconds=10)
            open_orders = list(
                Order.objects.filter(status__in=OPEN_STATUSES).values_list("pk", "user_id")
            )
            if open_orders and rng.random() < 0.2:
                order_id, user_id = rng.choice(open_orders)
                batch.append(
                    CancelOrder(
                        symbol="BTC-USD",
                        at=now,
                        actor=Actor.system(),
                        user_id=user_id,
                        order_id=order_id,
                    )
                )
            else:
                batch.append(_place(rng.choice(traders), rng, now))
        sizes.append(len(batch))
        replies = runner.run(batch)
        for command, reply in zip(batch, replies, strict=True):
            if isinstance(command, CancelOrder):
                if (
                    reply.error is None
                ):  # a cancel of an order the batch filled first is refused, as by the core
                    ledger.apply(
                        engine.apply(
                            Cancel(command.id, command.at, command.order_id, command.user_id)
                        )
                    )
                else:
                    assert engine.order(command.order_id) is None
                continue
            order = Order.objects.get(pk=reply.order_ids[0])
            ledger.apply(
                engine.apply(
                    Place(
                        command.id,
                        command.at,
                        order.pk,
                        order.user_id,
                        order.account_id,
                        Side(order.side),
                        OrderType(order.order_type),
                        TimeInForce(order.time_in_force),
                        amount=order.amount,
                        price=order.price,
                        maker_rate=order.maker_rate,
                        taker_rate=order.taker_rate,
                    )
                )
            )
        assert ledger.trades == [trade_key(t) for t in TradeRow.objects.order_by("id")]
        for order in Order.objects.all():
            expected = ledger.state[order.pk]
            assert stored(order, expected) == expected, order.pk
            assert (engine.order(order.pk) is not None) == (order.status in OPEN_STATUSES)
        check_trading_invariants()
    assert max(sizes) > 1
    assert TradeRow.objects.exists()  # the scenario does what it is for: orders met
