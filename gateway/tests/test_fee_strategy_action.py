"""`get_fee_strategy`: the whole schedule in the protocol's shape."""

import json

import pytest

from fees.tests.conftest import STANDARD
from fees.tests.factories import FeeScheduleFactory, PairGroupFactory
from gateway.actions.fees import fee_strategy

pytestmark = pytest.mark.django_db


def test_the_full_shape(btc_usd, eth_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Standard", tiers=STANDARD)
    group = PairGroupFactory(
        code="majors", name="Majors", description="Big ones", members=[btc_usd, eth_usd]
    )
    FeeScheduleFactory(name="Majors", pair_group=group, tiers=[("0", "0.05", "0.1")])
    FeeScheduleFactory(name="Weekend", days=(5, 6), tiers=[("0", "0.1", "0.2")])
    FeeScheduleFactory(
        name="Majors weekend", pair_group=group, days=(5, 6), tiers=[("0", "0", "0.05")]
    )
    FeeScheduleFactory(name="Midweek", days=(2,), tiers=[("0", "0.12", "0.22")])

    config = fee_strategy()["strategyConfig"]
    assert config["default"] == [
        {"fee": "0.25", "makerFee": "0.15", "takerFee": "0.25", "volume": 0},
        {"fee": "0.23", "makerFee": "0.13", "takerFee": "0.23", "volume": 10000},
        {"fee": "0.2", "makerFee": "0.11", "takerFee": "0.2", "volume": 100000},
    ]
    assert config["perTier"] == {
        "majors": {
            "name": "Majors",
            "description": "Big ones",
            "pairList": ["BTC-USD", "ETH-USD"],
            "schedule": [{"fee": "0.1", "makerFee": "0.05", "takerFee": "0.1", "volume": 0}],
        }
    }
    assert config["perWeekend"]["default"] == [
        {"fee": "0.2", "makerFee": "0.1", "takerFee": "0.2", "volume": 0}
    ]
    assert list(config["perWeekend"]["perTier"]) == ["majors"]
    assert [(row["name"], row["weekdays"], row["pairGroup"]) for row in config["perWeekday"]] == [
        ("Weekend", [5, 6], None),
        ("Majors weekend", [5, 6], "majors"),
        ("Midweek", [2], None),
    ]
    json.dumps(fee_strategy())  # JSON-safe as it is


def test_a_flat_default_is_one_entry_at_volume_zero_and_optional_parts_are_left_out(
    db: None,
) -> None:
    FeeScheduleFactory(tiers=[("0", "0.2", "0.2")])
    assert fee_strategy() == {
        "strategyConfig": {
            "default": [{"fee": "0.2", "makerFee": "0.2", "takerFee": "0.2", "volume": 0}]
        }
    }


def test_without_schedules_the_fallback_is_the_default(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FEES_FALLBACK_TAKER_PERCENT = "0.3"
    assert fee_strategy()["strategyConfig"]["default"][0]["fee"] == "0.3"
