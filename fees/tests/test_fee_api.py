"""GET /api/v1/fees/: the schedule, my 30-day volume, my tier and rates now, and what the next tier needs."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from fees.models import VolumeBucket
from fees.tests.conftest import STANDARD
from fees.tests.factories import FeeScheduleFactory, PairGroupFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/fees/"


def test_login_is_required(anon_client) -> None:  # type: ignore[no-untyped-def]
    response = anon_client.get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_my_volume_tier_rates_and_the_next_tier(api_client, user, btc_usd, eth_usd) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Standard", tiers=STANDARD)
    group = PairGroupFactory(code="majors", name="Majors", members=[btc_usd])
    FeeScheduleFactory(name="Majors", pair_group=group, tiers=[("0", "0.05", "0.1")])
    VolumeBucket.objects.create(user=user, day=datetime.now(tz=UTC).date(), usd_volume=D("12500.5"))

    body = api_client.get(URL).json()
    assert (body["period"], body["currency"], body["volume_30d"]) == ("30d", "USD", "12500.5")
    assert body["current"] == {
        "schedule": "Standard",
        "tier": 2,
        "tier_min_volume": "10000",
        "maker": "0.13",
        "taker": "0.23",
        "next_tier": {"tier": 3, "min_volume": "100000", "maker": "0.11", "taker": "0.2"},
        "volume_to_next_tier": "87499.5",
    }
    assert body["pairs"] == {
        "BTC-USD": {"schedule": "Majors", "tier": 1, "maker": "0.05", "taker": "0.1"},
        "ETH-USD": {"schedule": "Standard", "tier": 2, "maker": "0.13", "taker": "0.23"},
    }
    by_name = {schedule["name"]: schedule for schedule in body["schedules"]}
    assert by_name["Standard"]["pair_group"] is None
    assert by_name["Standard"]["weekdays"] == []
    assert [tier["min_volume"] for tier in by_name["Standard"]["tiers"]] == ["0", "10000", "100000"]
    assert by_name["Majors"]["pair_group"] == {
        "code": "majors",
        "name": "Majors",
        "description": "",
        "pairs": ["BTC-USD"],
    }
    assert by_name["Majors"]["applies_now"] is True


def test_at_the_top_tier_nothing_more_is_needed(api_client, user) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(tiers=STANDARD)
    VolumeBucket.objects.create(user=user, day=datetime.now(tz=UTC).date(), usd_volume=D("100000"))
    current = api_client.get(URL).json()["current"]
    assert (current["tier"], current["next_tier"], current["volume_to_next_tier"]) == (
        3,
        None,
        None,
    )


def test_without_schedules_the_fallback_is_shown(api_client) -> None:  # type: ignore[no-untyped-def]
    body = api_client.get(URL).json()
    assert body["current"]["schedule"] == "fallback"
    assert body["schedules"] == []
    assert body["volume_30d"] == "0"


def test_the_endpoint_is_in_the_openapi_schema(api_client) -> None:  # type: ignore[no-untyped-def]
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/fees/" in schema
    assert "fees_overview" in schema
