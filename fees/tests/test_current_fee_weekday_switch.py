"""The weekday is the UTC weekday of `at`: the switch happens exactly at midnight UTC."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fees.selectors import current_fee
from fees.tests.conftest import STANDARD
from fees.tests.factories import FeeScheduleFactory

pytestmark = pytest.mark.django_db

SATURDAY_MIDNIGHT = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
MONDAY_MIDNIGHT = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def schedules(db: None) -> None:
    FeeScheduleFactory(name="Standard", tiers=STANDARD)
    FeeScheduleFactory(name="Weekend", days=(5, 6), tiers=[("0", "0.1", "0.2")])


@pytest.mark.parametrize(
    ("at", "schedule"),
    [
        (SATURDAY_MIDNIGHT - ONE_MICROSECOND, "Standard"),  # Friday 23:59:59.999999
        (SATURDAY_MIDNIGHT, "Weekend"),
        (MONDAY_MIDNIGHT - ONE_MICROSECOND, "Weekend"),  # Sunday 23:59:59.999999
        (MONDAY_MIDNIGHT, "Standard"),
        # Saturday 01:00 in UTC+2 is Friday 23:00 UTC: still a weekday.
        (datetime(2026, 11, 28, 1, 0, tzinfo=timezone(timedelta(hours=2))), "Standard"),
        # Friday 20:00 in UTC-5 is Saturday 01:00 UTC: already the weekend.
        (datetime(2026, 11, 27, 20, 0, tzinfo=timezone(timedelta(hours=-5))), "Weekend"),
    ],
)
def test_the_schedule_switches_at_midnight_utc(user, btc_usd, at, schedule) -> None:  # type: ignore[no-untyped-def]
    assert current_fee(user=user, pair=btc_usd, at=at).schedule == schedule


def test_friday_and_saturday_in_one_process_do_not_leak_into_each_other(user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    friday, saturday = SATURDAY_MIDNIGHT - ONE_MICROSECOND, SATURDAY_MIDNIGHT
    assert [
        current_fee(user=user, pair=btc_usd, at=at).schedule for at in (friday, saturday, friday)
    ] == ["Standard", "Weekend", "Standard"]


def test_a_naive_datetime_is_refused(user, btc_usd) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="aware"):
        current_fee(user=user, pair=btc_usd, at=datetime(2026, 11, 28))
