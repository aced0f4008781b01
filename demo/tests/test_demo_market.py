"""demo.market: the issue's currencies, pairs and schedules, consistent, and idempotent."""

import io

import pytest

from conditions.models import Currency, Network, Pair
from conditions.validation import pair_conditions_problems
from demo import market
from fees.models import WEEKEND_MASK, FeeSchedule, FeeTier

pytestmark = pytest.mark.django_db


def test_the_demo_market_is_complete_consistent_and_idempotent() -> None:
    market.seed(io.StringIO())
    market.seed(io.StringIO())
    assert set(Currency.objects.values_list("code", flat=True)) >= {
        "BTC",
        "ETH",
        "SOL",
        "XRP",
        "LTC",
        "USD",
        "EUR",
        "USDT",
    }
    assert not Currency.objects.filter(usd_rate__isnull=True).exists()
    assert set(Pair.objects.values_list("symbol", flat=True)) >= {
        "BTC-USD",
        "ETH-USD",
        "BTC-USDT",
        "ETH-USDT",
        "ETH-BTC",
        "SOL-USD",
        "XRP-USD",
        "LTC-USD",
        "BTC-EUR",
    }
    for pair in Pair.objects.select_related("base", "quote", "fee_currency"):
        values = {
            field: getattr(pair, field)
            for field in (
                "symbol",
                "base",
                "quote",
                "fee_currency",
                "tick_size",
                "min_price",
                "max_price",
                "lot_size",
                "min_amount",
                "max_amount",
                "min_value",
                "max_value",
                "base_precision",
                "quote_precision",
                "order_types",
                "time_in_force",
            )
        }
        assert pair_conditions_problems(values) == {}, pair.symbol
    crypto = Currency.objects.filter(is_fiat=False)
    assert all(Network.objects.filter(currency=c, is_default=True).count() == 1 for c in crypto)
    default = FeeSchedule.objects.get(pair_group__isnull=True, weekday_mask=0)
    assert default.tiers.count() >= 8
    assert FeeSchedule.objects.filter(weekday_mask=WEEKEND_MASK).exists()
    assert FeeTier.objects.count() == sum(s.tiers.count() for s in FeeSchedule.objects.all())
