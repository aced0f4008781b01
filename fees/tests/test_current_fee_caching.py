"""`current_fee` runs on every order: no query once warm, and a schedule change reaches every caller."""

from decimal import Decimal as D

import pytest
from django.core.cache import cache

from fees import schedule as schedule_module
from fees.models import FeeTier, VolumeBucket
from fees.selectors import FeeQuotes, current_fee
from fees.services import fee_schedule_changed
from fees.tests.conftest import SATURDAY, STANDARD, WEDNESDAY
from fees.tests.factories import FeeScheduleFactory, PairGroupFactory
from gateway.actions.fees import fee_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(db: None):  # type: ignore[no-untyped-def]
    return FeeScheduleFactory(name="Standard", tiers=STANDARD)


def test_no_query_once_warm(user, btc_usd, eth_usd, standard, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    PairGroupFactory(members=[eth_usd])
    FeeScheduleFactory(name="Weekend", days=(5, 6))
    current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    current_fee(user=user, pair=btc_usd, at=SATURDAY)
    with django_assert_num_queries(0):
        for _ in range(3):
            current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
            current_fee(user=user, pair=eth_usd, at=WEDNESDAY)
            current_fee(user=user, pair=btc_usd, at=SATURDAY)
        fee_strategy()


def test_quotes_for_many_orders_come_from_one_read_and_agree_with_current_fee(
    user, other_user, btc_usd, eth_usd, standard, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Weekend", days=(5, 6), tiers=[("0", "0.05", "0.06")])
    VolumeBucket.objects.create(user=other_user, day=WEDNESDAY.date(), usd_volume=D("20000"))
    wanted = [(user.pk, WEDNESDAY), (other_user.pk, WEDNESDAY), (user.pk, SATURDAY)]
    current_fee(user=user, pair=btc_usd, at=WEDNESDAY)  # the schedules compiled, one figure cached
    # The two figures not cached are summed from their buckets, once each.
    with django_assert_num_queries(2):
        quotes = FeeQuotes(wanted)
        for _ in range(3):
            for who, at in ((user, WEDNESDAY), (other_user, WEDNESDAY), (user, SATURDAY)):
                for pair in (btc_usd, eth_usd):
                    quote = quotes.quote(user_id=who.pk, pair_id=pair.pk, at=at)
                    assert quote == current_fee(user=who, pair=pair, at=at)
    assert quotes.quote(user_id=other_user.pk, pair_id=btc_usd.pk, at=WEDNESDAY).tier == 2
    assert quotes.quote(user_id=user.pk, pair_id=btc_usd.pk, at=SATURDAY).taker == D("0.06")


def test_a_schedule_change_is_seen_after_commit(
    user,
    btc_usd,
    standard,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,
) -> None:
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).taker == D("0.25")
    FeeTier.objects.filter(schedule=standard, min_volume=0).update(taker=D("0.3"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fee_schedule_changed()
    # Before the commit, callers keep the schedule they have.
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).taker == D("0.25")
    for callback in callbacks:
        callback()
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).taker == D("0.3")


def test_another_process_sees_a_change_through_the_shared_version(
    user,
    btc_usd,
    standard,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,
) -> None:
    current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    FeeTier.objects.filter(schedule=standard, min_volume=0).update(maker=D("0.14"))
    # Another process published the change: only the shared version moved, this process's copy is intact.
    cache.set(schedule_module.SCHEDULE_VERSION_KEY, "published-elsewhere", timeout=None)
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).maker == D("0.14")


def test_a_lost_cache_makes_every_process_reload(user, btc_usd, standard) -> None:  # type: ignore[no-untyped-def]
    current_fee(user=user, pair=btc_usd, at=WEDNESDAY)
    FeeTier.objects.filter(schedule=standard, min_volume=0).update(maker=D("0.12"))
    cache.clear()  # a Redis restart
    assert current_fee(user=user, pair=btc_usd, at=WEDNESDAY).maker == D("0.12")
