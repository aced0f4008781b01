"""`order_kind`: the one reading of an order's type, side and time in force, refused whole when unknown."""

import pytest

from conditions.errors import (
    OrderSideInvalidError,
    OrderTypeNotAllowedError,
    TimeInForceNotAllowedError,
)
from conditions.validation import OrderKind, order_kind


@pytest.mark.parametrize(
    ("order_type", "side", "tif", "trigger", "expected"),
    [
        ("Limit", "BUY", "GTC", None, OrderKind("Limit", "BUY", "GTC")),
        (" limit ", "buy", " gtd ", None, OrderKind("Limit", "BUY", "GTD")),
        ("MARKET", "Sell", None, None, OrderKind("Market", "SELL", "IOC")),
        ("Limit", "SELL", "", None, OrderKind("Limit", "SELL", "GTC")),
        ("stop_limit", "BUY", "GTC", None, OrderKind("Stop Limit", "BUY", "GTC")),
        ("StopLimit", "BUY", "FOK", None, OrderKind("Stop Limit", "BUY", "FOK")),
        ("Limit", "BUY", "GTC", "Stop Limit", OrderKind("Stop Limit", "BUY", "GTC")),
        ("Market", "BUY", "IOC", "Stop Limit", OrderKind("Market", "BUY", "IOC")),
    ],
)
def test_client_spellings_read_as_the_protocols_values(order_type, side, tif, trigger, expected):
    assert (
        order_kind(order_type=order_type, side=side, time_in_force=tif, trigger=trigger) == expected
    )


@pytest.mark.parametrize(
    ("order_type", "side", "tif", "error"),
    [
        ("Limit", "BUY", "GTCX", TimeInForceNotAllowedError),
        ("Limit", "BUY", "GT", TimeInForceNotAllowedError),
        ("Limit", "BUY", "DAY", TimeInForceNotAllowedError),
        ("Limitless", "BUY", "GTC", OrderTypeNotAllowedError),
        ("Stop", "BUY", "GTC", OrderTypeNotAllowedError),
        ("Limit", "BUYX", "GTC", OrderSideInvalidError),
        ("Limit", "", "GTC", OrderSideInvalidError),
    ],
)
def test_anything_else_is_refused_not_cut_to_fit(order_type, side, tif, error):
    with pytest.raises(error) as refused:
        order_kind(order_type=order_type, side=side, time_in_force=tif)
    assert refused.value.check_failed.startswith(f"{error.rule} check failed: ")
