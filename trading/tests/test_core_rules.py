"""The core's vocabulary and money rules: the same values and roundings as the stored orders and the engine."""

import subprocess
import sys
from decimal import localcontext
from pathlib import Path

import pytest

from common.money import DECIMAL_PLACES
from trading import models
from trading.core import OrderType, PairSpec, Side, Status, TimeInForce
from trading.core.rules import EXACT, MAX_PLACES, fee_for, quote_cost, quote_value, stop_reached
from trading.tests.core_kit import D


@pytest.mark.parametrize(
    ("core", "stored"),
    [
        (Side, models.Side),
        (OrderType, models.OrderType),
        (TimeInForce, models.TimeInForce),
        (Status, models.OrderStatus),
    ],
)
def test_the_core_vocabulary_has_the_stored_values(core, stored) -> None:  # type: ignore[no-untyped-def]
    assert {member.value for member in core} <= set(stored.values)
    missing = set(stored.values) - {member.value for member in core}
    assert missing <= {"PENDING_NEW", "PENDING_CANCEL"}  # states the core never produces


def test_quote_values_are_cut_and_costs_rounded_up_to_the_quote_currencys_places() -> None:
    assert MAX_PLACES == DECIMAL_PLACES
    with localcontext(EXACT):
        assert quote_value(D("0.0003"), D("50000.1"), 2) == D("15.00")  # 15.00003
        assert quote_cost(D("0.0003"), D("50000.1"), 2) == D("15.01")
        assert quote_value(D("0.00123"), D("97123.4"), 2) == D("119.46")  # 119.461782
        assert quote_value(D("0.00123"), D("97123.4"), 8) == D("119.461782")
        assert quote_value(D("0.00000005"), D("97123.4"), 2) == 0  # a dust fill: 0.00485617
        assert quote_cost(D("0.00000005"), D("97123.4"), 2) == D("0.01")
        assert quote_value(D("0.0000001"), D("0.0000001"), 12) == 0
        assert quote_cost(D("0.0000001"), D("0.0000001"), 12) == D("1E-12")
        assert (
            quote_value(D("2"), D("50000"), 2) == quote_cost(D("2"), D("50000"), 2) == D("100000")
        )


@pytest.mark.parametrize(
    ("value", "rate", "places", "fee"),
    [
        (D("15.00003"), D("0.1"), 2, D("0.02")),  # 0.01500003 rounds up, toward the exchange
        (D("25000"), D("0.2"), 2, D("50")),
        (D("0.01"), D("150"), 2, D("0.01")),  # never more than the value it is charged on
        (D("100"), D("0"), 2, D("0")),
        (D("0"), D("0.2"), 2, D("0")),
    ],
)
def test_fees_round_toward_the_exchange_and_never_exceed_the_value(
    value, rate, places, fee
) -> None:  # type: ignore[no-untyped-def]
    with localcontext(EXACT):
        assert fee_for(value, rate, places) == fee


def test_stops_trigger_on_a_rise_for_buys_and_a_fall_for_sells() -> None:
    assert stop_reached(Side.BUY, D("100"), D("100"))
    assert not stop_reached(Side.BUY, D("100"), D("99.9"))
    assert stop_reached(Side.SELL, D("100"), D("99.9"))
    assert not stop_reached(Side.SELL, D("100"), D("100.1"))
    assert not stop_reached(Side.SELL, D("100"), None)


@pytest.mark.parametrize(
    "changes",
    [
        {"fee_currency": "EUR"},
        {"lot_size": D("0")},
        {"fee_places": 13, "quote_places": 13},
        {"fee_currency": "BTC", "quote_places": -1},
        {"fee_places": 8},  # fees in USD have USD's places
        {"stop_cascade": 0},
    ],
)
def test_a_pair_spec_the_core_cannot_work_with_is_refused(changes) -> None:  # type: ignore[no-untyped-def]
    fields = {"symbol": "BTC-USD", "base": "BTC", "quote": "USD", "quote_places": 2}
    fields |= {"fee_currency": "USD", "fee_places": 2, "lot_size": D("0.00001")}
    PairSpec(**fields)  # as it stands, it works
    PairSpec(**fields | {"fee_currency": "BTC", "fee_places": 8})  # fees in base: the base's places
    with pytest.raises(ValueError, match="BTC-USD"):
        PairSpec(**fields | changes)


def test_the_core_loads_without_django_or_any_other_part_of_the_project() -> None:
    probe = (
        "import sys, trading.core; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'rest_framework', 'common', 'accounts', 'ledger', 'conditions', 'fees'}))"
    )
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True, env={}
    )
    assert found.stdout.strip() == "[]"
