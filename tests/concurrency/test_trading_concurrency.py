"""The matching engine under real concurrency (PostgreSQL only): many clients place and cancel orders on the
same pairs at once, each thread with its own connection.

Invariants, never timings: no error and no deadlock; no balance below zero; per-currency sums over every
account (the fees account included) stay zero; each account's funds on hold equal what its open orders hold;
the book is never crossed; each order's executed amounts equal the sum of its trades; one clientOrderId places
one order.
"""

import random
from decimal import Decimal
from typing import Any

import pytest

from accounts.services import user_create
from activities.actor import Actor
from conditions.models import Pair
from ledger.models import Balance
from tests.concurrency.invariants import check_trading_invariants
from tests.concurrency.live import parallel as run_concurrently
from trading.errors import OrderFinalError
from trading.models import OPEN_STATUSES, Order, OrderStatus, Side, Trade
from trading.services import order_cancel, order_place
from trading.tests.helpers import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TRADERS = 8
ROUNDS = 25


@pytest.fixture
def traders(market: list[Pair]) -> list[Any]:
    users = []
    for n in range(TRADERS):
        trader = user_create(
            email=f"t{n}@example.com", password="p" * 12, verification_level="verified"
        )
        fund(trader, USD="200000", BTC="3", ETH="40")
        users.append(trader)
    return users


def trading_session(trader: Any, seed: int) -> list[str]:
    """Random limit, IOC and market orders around a price on both pairs, and cancels of its own orders."""
    rng = random.Random(seed)  # noqa: S311 - test data
    outcomes = []
    mine: list[int] = []
    for n in range(ROUNDS):
        symbol, mid = rng.choice([("BTC-USD", 50000), ("ETH-USD", 2500)])
        side = rng.choice([Side.BUY, Side.SELL])
        roll = rng.random()
        if mine and roll < 0.2:
            try:
                order_cancel(
                    user=trader, order_id=mine.pop(rng.randrange(len(mine))), actor=Actor.system()
                )
                outcomes.append("cancelled")
            except (
                OrderFinalError
            ):  # filled meanwhile: a fine outcome; anything else fails the test
                outcomes.append("already_final")
            continue
        tick = Decimal("0.1") if symbol == "BTC-USD" else Decimal("0.01")
        price = Decimal(mid) * (1 + Decimal(rng.randint(-20, 20)) / 1000)
        price = (price / tick).to_integral_value() * tick
        amount = Decimal(rng.randint(1, 40)) * (
            Decimal("0.001") if symbol == "BTC-USD" else Decimal("0.01")
        )
        kind = "Market" if roll > 0.9 else "Limit"
        result = order_place(
            user=trader,
            account="sub1",
            pair=symbol,
            side=side,
            order_type=kind,
            amount=amount,
            price=None if kind == "Market" else price,
            time_in_force="IOC" if 0.8 < roll <= 0.9 else None,
            client_order_id=f"{seed}-{n}",
            actor=Actor.system(),
        )
        outcomes.append(result.order.status)
        if result.order.status in OPEN_STATUSES:
            mine.append(result.order.pk)
    return outcomes


def test_many_clients_trading_at_once_keep_every_invariant(traders: list[Any]) -> None:
    results = run_concurrently(
        [lambda t=trader, s=n: trading_session(t, s) for n, trader in enumerate(traders)]
    )
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    statuses = [status for outcome in results for status in outcome]
    assert OrderStatus.FILLED in statuses or OrderStatus.PARTIALLY_FILLED in statuses
    assert Trade.objects.exists()

    check_trading_invariants()
    # No trade between one user's orders.
    assert not any(t.maker_user_id == t.taker_user_id for t in Trade.objects.all())


def test_one_client_order_id_sent_at_once_places_one_order(traders: list[Any]) -> None:
    trader = traders[0]

    def send() -> Any:
        return order_place(
            user=trader,
            account="sub1",
            pair="BTC-USD",
            side="BUY",
            order_type="Limit",
            amount=Decimal("0.01"),
            price=Decimal("40000"),
            client_order_id="same",
            actor=Actor.system(),
        )

    results = run_concurrently([send for _ in range(8)])
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({result.order.pk for result in results}) == 1
    assert Order.objects.filter(client_order_id="same").count() == 1
    row = Balance.objects.get(account__user=trader, account__name="sub1", currency_id="USD")
    assert row.on_hold == Decimal("400.80")


def test_funds_moved_while_a_batch_decides_are_never_overdrawn(
    traders: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matcher decides on balances it read without a lock and locks them only when it writes. A transfer
    that commits in between (here: all of the buyer's USD leaves for the wallet, from another connection) makes
    the batch's check fail; the batch runs again on what is there now, and the order is refused for funds."""
    from ledger.services import transfer_to_wallet
    from trading import persistence

    buyer = traders[0]
    flush = persistence.Batch.flush
    moved: list[bool] = []

    def transfer_then_flush(batch: Any) -> None:
        if not moved:
            moved.append(True)
            run_concurrently(
                [
                    lambda: transfer_to_wallet(
                        user=buyer,
                        account="sub1",
                        currency="USD",
                        amount=Decimal("200000"),
                        actor=Actor.system(),
                    )
                ]
            )
        flush(batch)

    monkeypatch.setattr(persistence.Batch, "flush", transfer_then_flush)
    result = order_place(
        user=buyer,
        account="sub1",
        pair="BTC-USD",
        side=Side.BUY,
        order_type="Limit",
        amount=Decimal("1"),
        price=Decimal("50000"),
        actor=Actor.system(),
    )
    assert moved == [True]
    assert result.order.status == OrderStatus.REJECTED
    assert result.order.reject_reason == "Insufficient funds"
    usd = Balance.objects.get(account__user=buyer, account__name="sub1", currency_id="USD")
    assert (usd.total, usd.on_hold) == (Decimal("0"), Decimal("0"))
    check_trading_invariants()
