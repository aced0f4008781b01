"""The 30-day volume: buckets summed over the last 30 UTC days, fills recorded per day, cached, refreshed."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import transaction

from fees.models import VolumeBucket
from fees.selectors import current_fee, volume_30d
from fees.services import volume_record_fill, volume_record_fills, volume_refresh
from fees.tasks import volume_refresh_task
from fees.tests.conftest import STANDARD
from fees.tests.factories import FeeScheduleFactory
from fees.volume import volume_key

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
TODAY = NOW.date()


def bucket(user, days_ago: int, volume: str) -> None:  # type: ignore[no-untyped-def]
    VolumeBucket.objects.create(
        user=user, day=TODAY - timedelta(days=days_ago), usd_volume=D(volume)
    )


def test_the_window_is_the_last_30_utc_days_today_included(user) -> None:  # type: ignore[no-untyped-def]
    bucket(user, 0, "1")
    bucket(user, 29, "10")
    bucket(user, 30, "100")  # 30 days ago: already rolled off
    assert volume_30d(user=user, at=NOW) == D("11")


def test_a_day_rolls_off_at_midnight_utc_30_days_later(user) -> None:  # type: ignore[no-untyped-def]
    bucket(user, 29, "10")
    last_moment = datetime.combine(TODAY, datetime.max.time(), tzinfo=UTC)
    assert volume_30d(user=user, at=last_moment) == D("10")
    assert volume_30d(user=user, at=last_moment + timedelta(microseconds=1)) == D("0")


def test_the_roll_off_moves_the_user_down_a_tier(user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(tiers=STANDARD)
    bucket(user, 29, "10000")
    assert current_fee(user=user, pair=btc_usd, at=NOW).tier == 2
    assert current_fee(user=user, pair=btc_usd, at=NOW + timedelta(days=1)).tier == 1


def test_fills_add_up_in_one_bucket_per_utc_day(user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        volume_record_fill(user=user, usd_value=D("100.5"), at=NOW)
        volume_record_fill(user=user, usd_value=D("200.25"), at=NOW.replace(hour=23, minute=59))
        volume_record_fill(user=user, usd_value=D("1"), at=NOW + timedelta(days=1))
    rows = dict(VolumeBucket.objects.values_list("day", "usd_volume"))
    assert rows == {TODAY: D("300.75"), TODAY + timedelta(days=1): D("1")}


def test_a_fill_updates_the_cached_figure_without_a_query(
    user, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    bucket(user, 3, "1000")
    assert volume_30d(user=user, at=NOW) == D("1000")  # warms the cache
    with django_capture_on_commit_callbacks(execute=True):
        volume_record_fill(user=user, usd_value=D("0.123456789"), at=NOW)  # cut to 8 decimals
    with django_assert_num_queries(0):
        assert volume_30d(user=user, at=NOW) == D("1000.12345678")
    assert volume_30d(user=user, at=NOW) == sum(
        VolumeBucket.objects.values_list("usd_volume", flat=True)
    )


def test_fills_of_several_users_add_to_the_cached_figures_and_leave_missing_ones_missing(
    user, other_user, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    other = other_user
    bucket(user, 3, "1000")
    assert volume_30d(user=user, at=NOW) == D("1000")  # cached; `other`'s figure is not
    with django_capture_on_commit_callbacks(execute=True):
        volume_record_fills(volumes={user.pk: D("5"), other.pk: D("7")}, at=NOW)
    assert cache.get(volume_key(other.pk, TODAY)) is None  # never a figure counting only this fill
    with django_assert_num_queries(0):
        assert volume_30d(user=user, at=NOW) == D("1005")
    assert volume_30d(user=other, at=NOW) == D("7")  # summed from the buckets, then cached
    assert cache.get(volume_key(other.pk, TODAY)) is not None


def test_a_rolled_back_fill_leaves_no_volume(user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    assert volume_30d(user=user, at=NOW) == D("0")

    def failed_trade() -> None:
        with transaction.atomic():
            volume_record_fill(user=user, usd_value=D("500"), at=NOW)
            raise RuntimeError("the trade failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failed_trade()
    assert not VolumeBucket.objects.exists()
    assert volume_30d(user=user, at=NOW) == D("0")


def test_a_negative_value_is_refused(user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="negative"):
        volume_record_fill(user=user, usd_value=D("-1"), at=NOW)
    assert not VolumeBucket.objects.exists()


def test_a_fill_dated_earlier_invalidates_later_cached_windows(
    user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    tomorrow = NOW + timedelta(days=1)
    assert volume_30d(user=user, at=tomorrow) == D("0")
    with django_capture_on_commit_callbacks(execute=True):
        volume_record_fill(user=user, usd_value=D("70"), at=NOW)
    assert volume_30d(user=user, at=tomorrow) == D("70")


def test_the_refresh_repairs_cached_figures_and_prunes_old_buckets(
    user, other_user, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FEES_VOLUME_RETENTION_DAYS = 60
    bucket(user, 1, "10")
    bucket(user, 45, "999")  # outside the window, kept
    bucket(user, 61, "999")  # beyond retention: pruned
    bucket(other_user, 0, "5")
    cache.set(volume_key(user.pk, TODAY), 1, timeout=None)  # a drifted figure
    assert volume_refresh(at=NOW) == 2
    assert volume_30d(user=user, at=NOW) == D("10")
    assert volume_30d(user=other_user, at=NOW) == D("5")
    assert sorted(VolumeBucket.objects.filter(user=user).values_list("usd_volume", flat=True)) == [
        D("10"),
        D("999"),
    ]


def test_retention_never_cuts_into_the_window(user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FEES_VOLUME_RETENTION_DAYS = 1
    bucket(user, 29, "10")
    volume_refresh(at=NOW)
    assert volume_30d(user=user, at=NOW) == D("10")


def test_the_beat_task_runs_the_refresh(user) -> None:  # type: ignore[no-untyped-def]
    VolumeBucket.objects.create(user=user, day=datetime.now(tz=UTC).date(), usd_volume=D("3"))
    assert volume_refresh_task() == 1
    assert volume_30d(user=user) == D("3")
