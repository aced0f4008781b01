"""Fixtures of the concurrency and crash tests."""

from decimal import Decimal

import pytest

from conditions.models import Pair
from conditions.tests.factories import CurrencyFactory, PairFactory
from fees.schedule import publish_new_version
from fees.tests.factories import FeeScheduleFactory


@pytest.fixture
def market(db: None) -> list[Pair]:
    """BTC-USD and ETH-USD (fees in USD) and a flat 0.1 % maker / 0.2 % taker schedule."""
    btc_usd = PairFactory()
    eth = CurrencyFactory(code="ETH", name="Ether", usd_rate=Decimal("2500"))
    eth_usd = PairFactory(
        base=eth, tick_size=Decimal("0.01"), min_price=Decimal("1"), min_value=Decimal("1")
    )
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])
    publish_new_version()
    return [btc_usd, eth_usd]
