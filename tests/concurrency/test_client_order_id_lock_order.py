"""An expired clientOrderId is released without breaking the lock order (PostgreSQL only).

Every order writer takes the pair's lock first. Releasing the old holder of a reused clientOrderId used to
write that order's row before the placement took the pair lock: a fill holding the pair lock and reaching that
row then waited on the placement, which waited on the fill (a deadlock). Here a "fill" holds the pair lock
while a placement reuses an expired id; the fill must still be able to lock the old order's row at once.
"""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import VerificationLevel
from accounts.services import user_create
from conditions.models import Pair
from conditions.tests.factories import PairFactory
from fees.schedule import publish_new_version
from fees.tests.factories import FeeScheduleFactory
from trading.models import Order, OrderStatus
from trading.services import orders_expire_due
from trading.tests.helpers import fund, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def old_order(db: None) -> Order:
    PairFactory()
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])
    publish_new_version()
    trader = user_create(
        email="bot@example.com", password="p" * 12, verification_level=VerificationLevel.VERIFIED
    )
    fund(trader, USD="100000", BTC="2")
    order = place(trader, "SELL", "0.1", "60000", client_order_id="bot-1").order
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=25))
    return order


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _in_thread(work: Any, results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = work()
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_reusing_an_expired_id_never_holds_the_old_order_while_waiting_for_the_pair(old_order):
    results: dict[str, Any] = {}
    pair_locked, placement_waiting = threading.Event(), threading.Event()

    def fill() -> str:
        with transaction.atomic():
            Pair.objects.select_for_update().get(pk=old_order.pair_id)
            pair_locked.set()
            assert placement_waiting.wait(timeout=60)
            # What a fill against the old (still resting) order does under the pair lock: lock its row.
            Order.objects.select_for_update(nowait=True).get(pk=old_order.pk)
            return "filled"

    fill_thread = _in_thread(fill, results, "fill")
    assert pair_locked.wait(timeout=60)
    placement = _in_thread(
        lambda: place(old_order.user, "SELL", "0.2", "61000", client_order_id="bot-1"),
        results,
        "placement",
    )
    for _ in range(600):  # until the placement waits for the pair lock (bounded; nothing is timed)
        if _waiting_on_a_lock() or not placement.is_alive():
            break
        threading.Event().wait(0.05)
    placement_waiting.set()
    fill_thread.join(timeout=60)
    placement.join(timeout=60)

    assert results["fill"] == "filled"
    new = results["placement"].order
    assert (new.status, new.dedupe_key, results["placement"].replayed) == (
        OrderStatus.NEW,
        "bot-1",
        False,
    )
    assert Order.objects.get(pk=old_order.pk).dedupe_key is None


def test_the_periodic_release_skips_order_rows_a_fill_holds(old_order):
    results: dict[str, Any] = {}
    held, released = threading.Event(), threading.Event()

    def fill() -> str:
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=old_order.pk)
            held.set()
            assert released.wait(timeout=60)
            return "filled"

    fill_thread = _in_thread(fill, results, "fill")
    assert held.wait(timeout=60)
    orders_expire_due()  # would wait for the fill (and could deadlock with it) if it did not skip the row
    skipped = Order.objects.get(pk=old_order.pk).dedupe_key
    released.set()
    fill_thread.join(timeout=60)
    orders_expire_due()

    assert (skipped, results["fill"]) == ("bot-1", "filled")
    assert Order.objects.get(pk=old_order.pk).dedupe_key is None
