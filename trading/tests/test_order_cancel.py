"""Cancelling releases exactly what the order still holds; final orders and other users' orders are refused."""

from decimal import Decimal as D

import pytest

from accounts.tests.factories import otp_login
from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from conditions.models import PairStatus
from trading.errors import OrderCancelNotAllowedError, OrderFinalError, OrderNotFoundError
from trading.models import OrderStatus, PairState
from trading.services import order_cancel, order_cancel_all
from trading.tests.helpers import balance, fund, place, reload

pytestmark = pytest.mark.django_db


def test_cancel_releases_exactly_the_remaining_hold_of_a_partly_filled_order(alice, bob) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", "1", "50000").order
    assert balance(alice, "USD") == (D("100000"), D("50100"))
    place(bob, "SELL", "0.4", "50000")
    # 0.4 filled as maker: paid 20000 + 20 fee; the remaining 0.6 still holds 30000 + 60 (0.2 % reserve).
    order = reload(order)
    assert order.hold_remaining == D("30080")
    assert balance(alice, "USD") == (D("100000") - D("20020"), D("30080"))
    cancelled = order_cancel(
        user=alice, order_id=order.pk, actor=Actor(ip="192.0.2.1", source=Source.WEB)
    )
    assert cancelled.status == OrderStatus.CANCELLED
    assert reload(order).hold_remaining == 0
    assert balance(alice, "USD") == (D("100000") - D("20020"), D("0"))
    assert PairState.objects.get(pair=order.pair).best_bid is None
    row = Activity.objects.get(user=alice, action=ActivityType.ORDER_CANCELLED)
    assert row.details["order_id"] == order.pk
    assert row.ip == "192.0.2.1"


def test_cancel_by_client_order_id(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "SELL", "0.1", "60000", client_order_id="my-1").order
    order_cancel(user=alice, client_order_id="my-1", actor=Actor.system())
    assert reload(order).status == OrderStatus.CANCELLED
    assert balance(alice, "BTC") == (D("10"), D("0"))


def test_a_final_order_cannot_be_cancelled(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.1", "50000")
    filled = place(bob, "BUY", "0.1", "50000").order
    with pytest.raises(OrderFinalError):
        order_cancel(user=bob, order_id=filled.pk, actor=Actor.system())


def test_another_users_order_is_not_found(alice, bob) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "SELL", "0.1", "60000").order
    with pytest.raises(OrderNotFoundError):
        order_cancel(user=bob, order_id=order.pk, actor=Actor.system())
    with pytest.raises(OrderNotFoundError):
        order_cancel(user=alice, order_id=999999, actor=Actor.system())
    assert reload(order).status == OrderStatus.NEW


def test_a_halted_pair_refuses_cancels(alice, btc_usd) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "SELL", "0.1", "60000").order
    btc_usd.status = PairStatus.HALTED
    btc_usd.save()
    with pytest.raises(OrderCancelNotAllowedError):
        order_cancel(user=alice, order_id=order.pk, actor=Actor.system())
    assert balance(alice, "BTC")[1] == D("0.1")


def test_cancel_all_cancels_every_open_order_and_releases_every_hold(alice, bob) -> None:  # type: ignore[no-untyped-def]
    fund(alice, account="sub2", USD="1000")
    a = place(alice, "SELL", "0.1", "60000").order
    b = place(alice, "BUY", "0.1", "40000").order
    c = place(alice, "BUY", "0.01", "40000", account="sub2").order
    other = place(bob, "SELL", "0.1", "61000").order
    cancelled = order_cancel_all(user=alice, actor=Actor.system())
    assert {o.pk for o in cancelled} == {a.pk, b.pk, c.pk}
    assert reload(other).status == OrderStatus.NEW
    assert balance(alice, "BTC") == (D("10"), D("0"))
    assert balance(alice, "USD") == (D("100000"), D("0"))
    assert balance(alice, "USD", account="sub2") == (D("1000"), D("0"))


def test_cancel_all_can_be_narrowed_to_accounts(alice) -> None:  # type: ignore[no-untyped-def]
    fund(alice, account="sub2", USD="1000")
    keep = place(alice, "SELL", "0.1", "60000").order
    gone = place(alice, "BUY", "0.01", "40000", account="sub2").order
    assert [
        o.pk for o in order_cancel_all(user=alice, accounts=["sub2"], actor=Actor.system())
    ] == [gone.pk]
    assert reload(keep).status == OrderStatus.NEW


def test_staff_can_cancel_from_the_admin(alice, staff_user) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    order = place(alice, "SELL", "0.1", "60000").order
    client = Client()
    otp_login(client, staff_user)
    assert client.get("/admin/trading/order/").status_code == 200
    assert client.get("/admin/trading/trade/").status_code == 200
    response = client.post(
        "/admin/trading/order/", {"action": "cancel_orders", "_selected_action": [order.pk]}
    )
    assert response.status_code == 302
    assert reload(order).status == OrderStatus.CANCELLED
    assert balance(alice, "BTC") == (D("10"), D("0"))


def test_cancelling_from_the_admin_needs_the_cancel_permission_and_names_the_clerk(alice) -> None:  # type: ignore[no-untyped-def]
    from accounts.tests.factories import staff_client

    order = place(alice, "SELL", "0.1", "60000").order
    _, viewer = staff_client(
        "trading.view_order", "trading.change_order", email="viewer@example.com"
    )
    clerk, client = staff_client("trading.view_order", "trading.cancel_order")
    form = {"action": "cancel_orders", "_selected_action": [order.pk]}

    viewer.post("/admin/trading/order/", form)
    assert reload(order).status == OrderStatus.NEW
    client.post("/admin/trading/order/", form)

    assert reload(order).status == OrderStatus.CANCELLED
    row = Activity.objects.get(action=ActivityType.ORDER_CANCELLED)
    assert row.user == alice
    assert row.source == "admin"
    assert {k: row.details[k] for k in ("by", "order_id", "amount", "price", "released")} == {
        "by": clerk.email,
        "order_id": order.pk,
        "amount": "0.1",
        "price": "60000",
        "released": "0.1",
    }
