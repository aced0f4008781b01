"""Thin Celery shims over the trading services. Safe to run twice.

Expiry and stop triggers are the matchers' own timed commands (`trading.matcher.process`; the embedded ticker
under `make run`); these tasks let an operator run them once by hand. Beat runs the housekeeping only:
releasing old clientOrderIds and pruning the matcher's command log (config/celery.py)."""

from celery import shared_task

from trading.matcher.runner import matcher_commands_prune
from trading.services import client_order_ids_release, orders_expire_due, stops_trigger_all


@shared_task(name="trading.orders_expire_due_task", ignore_result=True)
def orders_expire_due_task() -> int:
    """Expire GTD orders whose time has come (and release clientOrderIds older than 24 h)."""
    return orders_expire_due()


@shared_task(name="trading.stops_trigger_task", ignore_result=True)
def stops_trigger_task() -> int:
    """Trigger stop orders the last price has reached that a long cascade left waiting."""
    return stops_trigger_all()


@shared_task(name="trading.housekeeping_task", ignore_result=True)
def housekeeping_task() -> int:
    """Beat: release clientOrderIds older than the dedupe window and prune the matcher's old command ids."""
    return client_order_ids_release() + matcher_commands_prune()
