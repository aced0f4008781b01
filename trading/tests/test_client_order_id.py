"""clientOrderId: a retry returns the existing order; other parameters are refused; reusable after 24 h."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from trading.errors import ClientOrderIdConflictError
from trading.models import Order, OrderStatus
from trading.services import orders_expire_due
from trading.tests.helpers import balance, place

pytestmark = pytest.mark.django_db


def test_a_repeat_with_the_same_parameters_returns_the_existing_order(alice) -> None:  # type: ignore[no-untyped-def]
    first = place(alice, "BUY", "0.1", "40000", client_order_id="abc")
    again = place(alice, "BUY", "0.1", "40000", client_order_id="abc")
    assert again.replayed
    assert again.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert balance(alice, "USD")[1] == D("4008")


def test_a_repeat_with_other_parameters_is_refused(alice) -> None:  # type: ignore[no-untyped-def]
    place(alice, "BUY", "0.1", "40000", client_order_id="abc")
    with pytest.raises(ClientOrderIdConflictError):
        place(alice, "BUY", "0.2", "40000", client_order_id="abc")
    assert Order.objects.count() == 1


def test_ids_are_per_user(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "BUY", "0.1", "40000", client_order_id="abc")
    other = place(bob, "BUY", "0.1", "40000", client_order_id="abc")
    assert not other.replayed


def test_a_rejected_order_does_not_hold_its_id(alice) -> None:  # type: ignore[no-untyped-def]
    rejected = place(alice, "BUY", "5", "40000", client_order_id="abc").order
    assert rejected.status == OrderStatus.REJECTED
    fixed = place(alice, "BUY", "0.1", "40000", client_order_id="abc")
    assert not fixed.replayed
    assert fixed.order.status == OrderStatus.NEW


def test_an_id_can_be_reused_after_24_hours(alice) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    first = place(
        alice, "BUY", "0.1", "40000", client_order_id="abc", now=now - timedelta(hours=25)
    ).order
    second = place(alice, "BUY", "0.2", "40000", client_order_id="abc", now=now)
    assert not second.replayed
    assert second.order.pk != first.pk
    assert Order.objects.filter(client_order_id="abc").count() == 2


def test_the_periodic_task_releases_old_ids(alice) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    order = place(alice, "BUY", "0.1", "40000", client_order_id="abc", now=now).order
    orders_expire_due(now=now + timedelta(hours=23))
    assert Order.objects.get(pk=order.pk).dedupe_key == "abc"
    orders_expire_due(now=now + timedelta(hours=24))
    assert Order.objects.get(pk=order.pk).dedupe_key is None
