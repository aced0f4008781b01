"""Trading fixtures: BTC-USD (fees in USD), a flat 0.1 % maker / 0.2 % taker schedule, two funded traders."""

from decimal import Decimal

import pytest

from conditions.models import Pair
from conditions.tests.factories import CurrencyFactory, PairFactory
from fees.schedule import publish_new_version
from fees.tests.factories import FeeScheduleFactory
from trading.tests.helpers import fund


@pytest.fixture
def btc_usd(db: None) -> Pair:
    return PairFactory()


@pytest.fixture
def eth_btc(btc_usd: Pair) -> Pair:
    """Fees in the base currency (ETH), to cover the other fee side."""
    eth = CurrencyFactory(code="ETH", name="Ether", usd_rate=Decimal("2500"))
    return PairFactory(
        base=eth,
        quote=btc_usd.base,
        fee_currency=eth,
        tick_size=Decimal("0.00001"),
        min_price=Decimal("0.001"),
        max_price=Decimal("1"),
        lot_size=Decimal("0.001"),
        min_amount=Decimal("0.01"),
        max_amount=Decimal("1000"),
        min_value=Decimal("0.0001"),
        max_value=Decimal("100"),
        quote_precision=8,
    )


@pytest.fixture
def flat_fees(db: None) -> None:
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])
    publish_new_version()


@pytest.fixture
def alice(user, btc_usd, flat_fees):  # type: ignore[no-untyped-def]
    fund(user, USD="100000", BTC="10")
    return user


@pytest.fixture
def bob(other_user, btc_usd, flat_fees):  # type: ignore[no-untyped-def]
    fund(other_user, USD="100000", BTC="10")
    return other_user
