"""`pair_update` / `pair_create`: validated as a whole, recorded as `conditions.pair_changed`."""

from decimal import Decimal as D

import pytest

from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from conditions.errors import PairConditionsInvalidError
from conditions.models import Pair, PairStatus
from conditions.services import pair_create, pair_update
from conditions.tests.factories import CurrencyFactory

STAFF = Actor(ip=None, source=Source.ADMIN)

pytestmark = pytest.mark.django_db


def history(symbol: str) -> list[Activity]:
    return list(
        Activity.objects.filter(action=ActivityType.PAIR_CHANGED, details__pair=symbol).order_by(
            "id"
        )
    )


def test_a_change_is_saved_and_recorded_with_old_and_new_values(btc_usd, staff_user) -> None:  # type: ignore[no-untyped-def]
    before = btc_usd.updated_at
    pair = pair_update(
        pair=btc_usd,
        user=staff_user,
        actor=Actor(ip="10.0.0.1", source=Source.ADMIN),
        changes={
            "min_amount": D("0.001"),
            "status": PairStatus.CANCEL_ONLY,
            "max_price": D("1000000"),
        },
    )
    stored = Pair.objects.get(pk=btc_usd.pk)
    assert stored.min_amount == D("0.001")
    assert stored.status == PairStatus.CANCEL_ONLY
    assert stored.updated_at > before
    [row] = history("BTC-USD")
    assert row.user == staff_user
    assert row.source == Source.ADMIN
    assert row.ip == "10.0.0.1"
    # max_price did not change, so it is not in the record
    assert row.details == {
        "pair": "BTC-USD",
        "changes": {
            "min_amount": {"old": "0.0001", "new": "0.001"},
            "status": {"old": "trading", "new": "cancel_only"},
        },
    }
    assert pair.min_amount == D("0.001")


def test_a_change_to_nothing_writes_nothing(btc_usd, staff_user) -> None:  # type: ignore[no-untyped-def]
    before = Pair.objects.get(pk=btc_usd.pk).updated_at
    pair_update(pair=btc_usd, user=staff_user, actor=STAFF, changes={"tick_size": D("0.10000")})
    assert history("BTC-USD") == []
    assert Pair.objects.get(pk=btc_usd.pk).updated_at == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tick_size": D("0")}, "tick_size"),
        ({"lot_size": D("-0.1")}, "lot_size"),
        ({"min_amount": D("200")}, "min_amount"),
        ({"min_price": D("2000000")}, "min_price"),
        ({"min_value": D("2000000")}, "min_value"),
        ({"min_price": D("100.05")}, "min_price"),
        ({"min_amount": D("0.000015")}, "min_amount"),
        ({"lot_size": D("0.000000001")}, "lot_size"),
        ({"quote_precision": 3}, "quote_precision"),
        ({"order_types": []}, "order_types"),
        ({"time_in_force": ["GTC", "DAY"]}, "time_in_force"),
        ({"symbol": "ETH-USD"}, "symbol"),
    ],
)
def test_inconsistent_conditions_are_refused_and_change_nothing(
    btc_usd, staff_user, changes, field
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PairConditionsInvalidError) as caught:
        pair_update(pair=btc_usd, user=staff_user, actor=STAFF, changes=changes)
    assert field in caught.value.details
    stored = Pair.objects.get(pk=btc_usd.pk)
    assert (stored.tick_size, stored.min_amount, stored.min_price, stored.order_types) == (
        D("0.1"),
        D("0.0001"),
        D("100"),
        ["Limit", "Market", "Stop Limit"],
    )
    assert history("BTC-USD") == []


def test_fee_currency_must_be_base_or_quote(btc_usd, staff_user) -> None:  # type: ignore[no-untyped-def]
    eur = CurrencyFactory(code="EUR", fiat=True)
    with pytest.raises(PairConditionsInvalidError) as caught:
        pair_update(pair=btc_usd, user=staff_user, actor=STAFF, changes={"fee_currency": eur})
    assert "fee_currency" in caught.value.details
    pair_update(pair=btc_usd, user=staff_user, actor=STAFF, changes={"fee_currency": btc_usd.base})
    assert history("BTC-USD")[0].details["changes"] == {
        "fee_currency": {"old": "USD", "new": "BTC"}
    }


def test_create_derives_the_symbol_and_records_every_field(staff_user) -> None:  # type: ignore[no-untyped-def]
    eth, usd = CurrencyFactory(code="ETH"), CurrencyFactory(code="USD", fiat=True)
    values = {
        "base": eth,
        "quote": usd,
        "fee_currency": usd,
        "tick_size": D("0.01"),
        "min_price": D("1"),
        "max_price": D("100000"),
        "lot_size": D("0.0001"),
        "min_amount": D("0.001"),
        "max_amount": D("1000"),
        "min_value": D("5"),
        "max_value": D("1000000"),
        "base_precision": 8,
        "quote_precision": 2,
        "status": PairStatus.TRADING,
        "order_types": ["Limit", "Market"],
        "time_in_force": ["GTC", "IOC"],
    }
    pair = pair_create(user=staff_user, actor=STAFF, values=values)
    assert pair.symbol == "ETH-USD"
    assert pair.price_precision == 2
    [row] = history("ETH-USD")
    assert row.details["created"] is True
    assert row.details["changes"]["min_amount"] == {"old": None, "new": "0.001"}


def test_create_refuses_the_same_base_and_quote(staff_user) -> None:  # type: ignore[no-untyped-def]
    usd = CurrencyFactory(code="USD", fiat=True)
    values = {
        "base": usd,
        "quote": usd,
        "fee_currency": usd,
        "tick_size": D("0.01"),
        "min_price": D("1"),
        "max_price": D("2"),
        "lot_size": D("0.01"),
        "min_amount": D("1"),
        "max_amount": D("2"),
        "min_value": D("1"),
        "max_value": D("2"),
        "base_precision": 2,
        "quote_precision": 2,
        "status": PairStatus.TRADING,
        "order_types": ["Limit"],
        "time_in_force": ["GTC"],
    }
    with pytest.raises(PairConditionsInvalidError):
        pair_create(user=staff_user, actor=STAFF, values=values)
    assert not Pair.objects.exists()


@pytest.mark.parametrize(
    ("tick", "places"),
    [("0.1", 1), ("0.01000", 2), ("1", 0), ("5", 0), ("0.00001", 5), ("0.25", 2)],
)
def test_price_precision_is_the_decimals_of_the_tick(tick, places) -> None:  # type: ignore[no-untyped-def]
    from conditions.tests.factories import PairFactory

    assert PairFactory.build(tick_size=D(tick)).price_precision == places
