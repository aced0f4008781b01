from datetime import UTC, datetime

import pytest

from conditions.models import Pair
from conditions.tests.factories import CurrencyFactory, PairFactory

# A Friday, the Saturday after it, and a Wednesday, all UTC.
FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

STANDARD = [("0", "0.15", "0.25"), ("10000", "0.13", "0.23"), ("100000", "0.11", "0.20")]


@pytest.fixture
def btc_usd(db: None) -> Pair:
    return PairFactory()


@pytest.fixture
def eth_usd(db: None) -> Pair:
    return PairFactory(
        base=CurrencyFactory(code="ETH"), tick_size="0.01", lot_size="0.0001", min_amount="0.001"
    )
