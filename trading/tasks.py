"""Thin Celery shims over the trading services (scheduled in config/celery.py). Safe to run twice."""

from celery import shared_task

from trading.models import OPEN, Order
from trading.services import orders_expire_due, stops_trigger


@shared_task(name="trading.orders_expire_due_task", ignore_result=True)
def orders_expire_due_task() -> int:
    """Beat: expire GTD orders whose time has come (and release clientOrderIds older than 24 h)."""
    return orders_expire_due()


@shared_task(name="trading.stops_trigger_task", ignore_result=True)
def stops_trigger_task() -> int:
    """Beat: trigger stop orders the last price has reached that a long cascade left waiting."""
    pair_ids = Order.objects.filter(OPEN, is_triggered=False).values_list("pair_id", flat=True)
    return sum(stops_trigger(pair_id=pair_id) for pair_id in sorted(set(pair_ids)))
