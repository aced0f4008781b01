import pytest

from conditions.models import Pair
from conditions.tests.factories import PairFactory


@pytest.fixture
def btc_usd(db: None) -> Pair:
    return PairFactory()
