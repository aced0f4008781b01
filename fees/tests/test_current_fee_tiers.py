"""Tier selection: the highest tier whose minimum the 30-day volume reaches, exact at each boundary."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.cache import cache

from fees.models import VolumeBucket
from fees.selectors import current_fee
from fees.tests.conftest import STANDARD, WEDNESDAY
from fees.tests.factories import FeeScheduleFactory

pytestmark = pytest.mark.django_db


def traded(user, volume: str, *, at=WEDNESDAY) -> None:  # type: ignore[no-untyped-def]
    """Trades made directly in the database: one bucket for the day."""
    VolumeBucket.objects.create(user=user, day=at.date(), usd_volume=D(volume))


@pytest.mark.parametrize(
    ("volume", "tier", "maker", "taker", "to_next"),
    [
        ("0", 1, "0.15", "0.25", "10000"),
        ("9999.99999999", 1, "0.15", "0.25", "0.00000001"),
        ("10000", 2, "0.13", "0.23", "90000"),
        ("10000.00000001", 2, "0.13", "0.23", "89999.99999999"),
        ("99999.99999999", 2, "0.13", "0.23", "0.00000001"),
        ("100000", 3, "0.11", "0.20", None),
        ("123456789.5", 3, "0.11", "0.20", None),
    ],
)
def test_the_tier_is_the_highest_whose_minimum_the_volume_reaches(  # type: ignore[no-untyped-def]
    user, btc_usd, volume, tier, maker, taker, to_next
) -> None:
    FeeScheduleFactory(name="Standard", tiers=STANDARD)
    if D(volume):
        traded(user, volume)
    quote = current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    assert (quote.tier, quote.maker, quote.taker) == (tier, D(maker), D(taker))
    assert quote.schedule == "Standard"
    assert quote.volume_30d == D(volume)
    assert quote.tier_min_volume == D(STANDARD[tier - 1][0])
    assert quote.volume_to_next_tier == (D(to_next) if to_next else None)


def test_volume_spread_over_days_adds_up_to_the_boundary(user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(tiers=STANDARD)
    traded(user, "4000", at=WEDNESDAY - timedelta(days=10))
    traded(user, "5999.99", at=WEDNESDAY - timedelta(days=1))
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).tier == 1
    traded(user, "0.01")  # today: 10000 exactly
    # The figure is cached; a fill recorded through the service updates it, a bare row does not.
    cache.clear()
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).tier == 2


def test_a_single_tier_at_zero_is_a_flat_fee(user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Flat", tiers=[("0", "0.2", "0.2")])
    traded(user, "50000000")
    quote = current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    assert (quote.schedule, quote.tier, quote.maker, quote.taker) == ("Flat", 1, D("0.2"), D("0.2"))
    assert quote.next_tier is None
    assert quote.volume_to_next_tier is None


def test_other_users_volume_does_not_count(user, other_user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(tiers=STANDARD)
    traded(other_user, "1000000")
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).tier == 1


def test_without_any_schedule_the_fallback_flat_fee_applies(user, btc_usd, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FEES_FALLBACK_MAKER_PERCENT = "0.2"
    settings.FEES_FALLBACK_TAKER_PERCENT = "0.3"
    quote = current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    assert (quote.schedule, quote.tier, quote.maker, quote.taker) == (
        "fallback",
        1,
        D("0.2"),
        D("0.3"),
    )


def test_inactive_schedules_are_ignored(user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Old", tiers=[("0", "1", "1")], is_active=False)
    FeeScheduleFactory(name="Standard", tiers=STANDARD)
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).schedule == "Standard"
