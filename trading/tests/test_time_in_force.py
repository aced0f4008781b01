"""GTC rests, IOC cancels its remainder, FOK fills completely or not at all, GTD expires."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from activities.models import Activity, ActivityType
from trading.models import Order, OrderStatus, PairState, Trade
from trading.services import orders_expire_due
from trading.tests.helpers import balance, place, reload

pytestmark = pytest.mark.django_db


def test_ioc_fills_what_it_can_and_cancels_the_rest(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.1", "50000")
    order = place(bob, "BUY", "0.5", "50000", time_in_force="IOC").order
    assert order.status == OrderStatus.CANCELLED
    assert order.executed_amount == D("0.1")
    assert not order.is_resting
    assert balance(bob, "USD") == (D("100000") - D("5010"), D("0"))
    assert Activity.objects.filter(user=bob, action=ActivityType.ORDER_CANCELLED).count() == 1


def test_ioc_with_nothing_to_match_is_cancelled_and_holds_nothing(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", "0.5", "50000", time_in_force="IOC").order
    assert order.status == OrderStatus.CANCELLED
    assert balance(alice, "USD") == (D("100000"), D("0"))


def test_fok_that_cannot_fill_completely_does_nothing(alice, bob) -> None:  # type: ignore[no-untyped-def]
    maker = place(alice, "SELL", "0.1", "50000").order
    order = place(bob, "BUY", "0.2", "50000", time_in_force="FOK").order
    assert order.status == OrderStatus.CANCELLED
    assert order.executed_amount == 0
    assert Trade.objects.count() == 0
    assert reload(maker).remaining == D("0.1")
    assert balance(bob, "USD") == (D("100000"), D("0"))


def test_fok_that_can_fill_completely_fills(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.1", "50000")
    place(alice, "SELL", "0.1", "50100")
    order = place(bob, "BUY", "0.2", "50100", time_in_force="FOK").order
    assert order.status == OrderStatus.FILLED
    assert order.executed_amount == D("0.2")


def test_gtc_rests_until_cancelled(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "SELL", "0.1", "60000", time_in_force="GTC").order
    assert order.status == OrderStatus.NEW
    assert order.is_resting


def test_gtd_without_a_future_expire_time_is_rejected(alice) -> None:  # type: ignore[no-untyped-def]
    past = timezone.now() - timedelta(seconds=1)
    order = place(alice, "SELL", "0.1", "60000", time_in_force="GTD", expire_at=past).order
    assert order.status == OrderStatus.REJECTED
    assert "expireTime check failed" in order.reject_reason
    missing = place(alice, "SELL", "0.1", "60000", time_in_force="GTD").order
    assert missing.status == OrderStatus.REJECTED
    assert balance(alice, "BTC") == (D("10"), D("0"))


def test_gtd_expires_at_its_expire_time_and_releases_its_hold(alice) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    order = place(
        alice,
        "BUY",
        "0.1",
        "40000",
        time_in_force="GTD",
        expire_at=now + timedelta(minutes=5),
        now=now,
    ).order
    assert balance(alice, "USD")[1] == D("4008")
    assert orders_expire_due(now=now + timedelta(minutes=4)) == 0
    assert reload(order).status == OrderStatus.NEW
    assert orders_expire_due(now=now + timedelta(minutes=5)) == 1
    order = reload(order)
    assert order.status == OrderStatus.EXPIRED
    assert not order.is_resting
    assert order.hold_remaining == 0
    assert balance(alice, "USD") == (D("100000"), D("0"))
    assert PairState.objects.get(pair=order.pair).best_bid is None
    assert Activity.objects.filter(user=alice, action=ActivityType.ORDER_EXPIRED).count() == 1
    assert orders_expire_due(now=now + timedelta(minutes=6)) == 0


def test_an_expired_gtd_order_met_while_matching_expires_instead_of_trading(alice, bob) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    stale = place(
        alice,
        "SELL",
        "0.1",
        "50000",
        time_in_force="GTD",
        expire_at=now + timedelta(seconds=10),
        now=now,
    ).order
    result = place(bob, "BUY", "0.1", "50000", now=now + timedelta(seconds=11))
    assert result.trades == ()
    assert reload(stale).status == OrderStatus.EXPIRED
    assert balance(alice, "BTC") == (D("10"), D("0"))
    assert result.order.status == OrderStatus.NEW


def test_the_tasks_expire_due_orders_and_beat_leaves_expiry_to_the_matchers(alice) -> None:  # type: ignore[no-untyped-def]
    from config.celery import app
    from trading.tasks import orders_expire_due_task, stops_trigger_task

    order = place(
        alice,
        "BUY",
        "0.1",
        "40000",
        time_in_force="GTD",
        expire_at=timezone.now() + timedelta(milliseconds=1),
    ).order
    Order.objects.filter(pk=order.pk).update(expire_at=timezone.now() - timedelta(seconds=1))
    assert orders_expire_due_task.delay().get() == 1
    assert reload(order).status == OrderStatus.EXPIRED
    assert stops_trigger_task.delay().get() == 0
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    # Expiry and stop triggers are commands in each pair's sequence, issued by its matcher: beat does not
    # run them a second time; it runs the housekeeping (old clientOrderIds, the matcher's command log).
    assert "trading.housekeeping_task" in tasks
    assert not {"trading.orders_expire_due_task", "trading.stops_trigger_task"} & tasks
