"""Which schedule applies: weekday schedule (of the pair's group, then for all pairs) over the group's every-day
schedule over the default."""

from decimal import Decimal as D

import pytest

from fees.selectors import current_fee
from fees.tests.conftest import SATURDAY, STANDARD, WEDNESDAY
from fees.tests.factories import FeeScheduleFactory, PairGroupFactory

pytestmark = pytest.mark.django_db
WEEKEND = (5, 6)


@pytest.fixture
def schedules(btc_usd, eth_usd):  # type: ignore[no-untyped-def]
    """BTC-USD is in the group "majors"; ETH-USD is in no group."""
    majors = PairGroupFactory(code="majors", members=[btc_usd])
    FeeScheduleFactory(name="Default", tiers=STANDARD)
    FeeScheduleFactory(name="Majors", pair_group=majors, tiers=[("0", "0.05", "0.1")])
    FeeScheduleFactory(name="Weekend", days=WEEKEND, tiers=[("0", "0.02", "0.04")])
    return majors


def schedule_for(user, pair, at) -> str:  # type: ignore[no-untyped-def]
    return current_fee(user=user, pair=pair, at=at).schedule


def test_a_weekday_pair_in_no_group_gets_the_default(user, eth_usd, schedules) -> None:  # type: ignore[no-untyped-def]
    assert schedule_for(user, eth_usd, WEDNESDAY) == "Default"


def test_a_weekday_pair_in_a_group_gets_the_group_schedule(user, btc_usd, schedules) -> None:  # type: ignore[no-untyped-def]
    quote = current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    assert (quote.schedule, quote.maker, quote.taker) == ("Majors", D("0.05"), D("0.1"))


def test_the_weekend_schedule_beats_the_default(user, eth_usd, schedules) -> None:  # type: ignore[no-untyped-def]
    assert schedule_for(user, eth_usd, SATURDAY) == "Weekend"


def test_the_weekend_schedule_beats_the_group_schedule(user, btc_usd, schedules) -> None:  # type: ignore[no-untyped-def]
    assert schedule_for(user, btc_usd, SATURDAY) == "Weekend"


def test_the_group_weekend_schedule_beats_the_weekend_for_all(
    user, btc_usd, eth_usd, schedules
) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(
        name="Majors weekend", pair_group=schedules, days=WEEKEND, tiers=[("0", "0", "0.01")]
    )
    assert schedule_for(user, btc_usd, SATURDAY) == "Majors weekend"
    assert schedule_for(user, eth_usd, SATURDAY) == "Weekend"
    assert schedule_for(user, btc_usd, WEDNESDAY) == "Majors"


def test_a_group_without_its_own_schedule_falls_back_to_the_default(
    user, eth_usd, schedules
) -> None:  # type: ignore[no-untyped-def]
    PairGroupFactory(code="alts", members=[eth_usd])
    assert schedule_for(user, eth_usd, WEDNESDAY) == "Default"


def test_a_weekday_schedule_applies_only_on_its_days(user, eth_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Default", tiers=STANDARD)
    FeeScheduleFactory(name="Wednesday", days=(2,), tiers=[("0", "0", "0")])
    assert schedule_for(user, eth_usd, WEDNESDAY) == "Wednesday"
    assert schedule_for(user, eth_usd, SATURDAY) == "Default"
