"""An incoming order never trades with its own user's resting orders: the resting order is cancelled."""

from decimal import Decimal as D

import pytest

from activities.models import Activity, ActivityType
from trading.models import OrderStatus, Trade
from trading.tests.helpers import balance, fund, place, reload

pytestmark = pytest.mark.django_db


def test_the_resting_order_of_the_same_user_is_cancelled_and_matching_goes_on(alice, bob) -> None:  # type: ignore[no-untyped-def]
    own = place(alice, "SELL", "0.1", "50000").order
    theirs = place(bob, "SELL", "0.1", "50100").order
    result = place(alice, "BUY", "0.1", "50100")
    assert reload(own).status == OrderStatus.CANCELLED
    assert [t.maker_order_id for t in result.trades] == [theirs.pk]
    assert not Trade.objects.filter(maker_order=own).exists()
    assert result.order.status == OrderStatus.FILLED
    cancelled = Activity.objects.get(user=alice, action=ActivityType.ORDER_CANCELLED)
    assert cancelled.details["reason"] == "self_trade_prevention"
    # The cancelled order's hold went back.
    assert balance(alice, "BTC") == (D("10.1"), D("0"))


def test_it_applies_across_the_users_sub_accounts(alice) -> None:  # type: ignore[no-untyped-def]
    fund(alice, account="sub2", USD="1000")
    own = place(alice, "SELL", "0.01", "50000").order
    order = place(alice, "BUY", "0.01", "50000", account="sub2").order
    assert reload(own).status == OrderStatus.CANCELLED
    assert order.status == OrderStatus.NEW
    assert order.is_resting
    assert Trade.objects.count() == 0
