"""The book stream's sequence numbers under concurrent orders on one pair (PostgreSQL only): every published
increment has its own number, the numbers have no gap, and applying the increments in number order to the first
published book ends at the book `get_order_book` reads (trading/events.py)."""

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import VerificationLevel
from accounts.services import user_create
from common import events as common_events
from conditions.models import Pair
from conditions.tests.factories import PairFactory
from fees.schedule import publish_new_version
from fees.tests.factories import FeeScheduleFactory
from trading import events, selectors
from trading.tests.helpers import fund, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4
ORDERS = 6


@pytest.fixture
def published() -> Any:
    seen: list[events.BookEvent] = []
    lock = threading.Lock()

    def sink(event: Any) -> None:
        if isinstance(event, events.BookEvent):
            with lock:
                seen.append(event)

    common_events.subscribe(sink)
    yield seen
    common_events._sinks.remove(sink)


def test_concurrent_orders_publish_gap_free_increments_that_rebuild_the_book(published):
    PairFactory()
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])
    publish_new_version()
    pair = Pair.objects.get(symbol="BTC-USD")
    start = events.book_snapshot(pair, now=timezone.now())
    traders = []
    for index in range(THREADS):
        trader = user_create(
            email=f"t{index}@example.com",
            password="p" * 12,
            verification_level=VerificationLevel.VERIFIED,
        )
        fund(trader, USD="1000000", BTC="10")
        traders.append(trader)
    errors: list[BaseException] = []

    def trade(index: int) -> None:
        try:
            for n in range(ORDERS):
                side = "BUY" if (index + n) % 2 else "SELL"
                # Prices cross now and then, so fills remove levels as well as add them.
                price = str(60000 + (n % 3) * 10 - (10 if side == "BUY" else 0))
                place(traders[index], side, "0.01", price)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=trade, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    seqs = [event.seq for event in published]
    assert sorted(seqs) == list(range(start.seq + 1, start.seq + 1 + len(seqs)))
    book = {"bids": dict(start.bids), "asks": dict(start.asks)}
    for event in sorted(published, key=lambda e: e.seq):
        for side, levels in (("bids", event.bids), ("asks", event.asks)):
            for price, amount in levels:
                if amount == 0:
                    book[side].pop(price, None)
                else:
                    book[side][price] = amount
    final = selectors.order_book(pair=pair, at=timezone.now())
    assert book["bids"] == {price: amount for price, amount in final.bids}
    assert book["asks"] == {price: amount for price, amount in final.asks}
    assert len(seqs) >= THREADS * ORDERS // 2
