from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityType
from activities.tests.factories import ActivityFactory

LIST = reverse("activity-list")


@pytest.fixture
def history(user):
    now = timezone.now()
    return {
        "1h": ActivityFactory(
            user=user, action=ActivityType.LOGIN, created_at=now - timedelta(hours=1)
        ),
        "2d": ActivityFactory(
            user=user, action=ActivityType.PROFILE_UPDATED, created_at=now - timedelta(days=2)
        ),
        "10d": ActivityFactory(
            user=user, action=ActivityType.LOGOUT, created_at=now - timedelta(days=10)
        ),
        "40d": ActivityFactory(
            user=user, action=ActivityType.LOGIN, created_at=now - timedelta(days=40)
        ),
        "100d": ActivityFactory(
            user=user, action=ActivityType.TWO_FACTOR_ENABLED, created_at=now - timedelta(days=100)
        ),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_lists_my_rows_newest_first(api_client, history):
    assert _ids(api_client.get(LIST)) == [history[k].id for k in ["1h", "2d", "10d", "40d", "100d"]]


def test_never_shows_another_users_rows(api_client, history, other_user):
    ActivityFactory(user=other_user)

    rows = api_client.get(LIST).json()["results"]

    assert len(rows) == 5


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("24h", ["1h"]),
        ("7d", ["1h", "2d"]),
        ("30d", ["1h", "2d", "10d"]),
        ("90d", ["1h", "2d", "10d", "40d"]),
    ],
)
def test_period_presets(api_client, history, period, expected):
    assert _ids(api_client.get(LIST, {"period": period})) == [history[k].id for k in expected]


def test_from_and_to_bound_the_period(api_client, history):
    now = timezone.now()
    params = {
        "from": (now - timedelta(days=11)).isoformat(),
        "to": (now - timedelta(days=1)).isoformat(),
    }

    assert _ids(api_client.get(LIST, params)) == [history["2d"].id, history["10d"].id]


def test_from_alone_and_to_alone(api_client, history):
    now = timezone.now()

    assert _ids(api_client.get(LIST, {"from": (now - timedelta(days=3)).isoformat()})) == [
        history["1h"].id,
        history["2d"].id,
    ]
    assert _ids(api_client.get(LIST, {"to": (now - timedelta(days=50)).isoformat()})) == [
        history["100d"].id
    ]


def test_one_action_type(api_client, history):
    assert _ids(api_client.get(LIST, {"action": "auth.login"})) == [
        history["1h"].id,
        history["40d"].id,
    ]


@pytest.mark.parametrize(
    "query", ["action=auth.login&action=auth.logout", "action=auth.login,auth.logout"]
)
def test_several_action_types_repeated_or_comma_separated(api_client, history, query):
    assert _ids(api_client.get(f"{LIST}?{query}")) == [history[k].id for k in ["1h", "10d", "40d"]]


def test_period_and_type_combined(api_client, history):
    assert _ids(api_client.get(LIST, {"period": "30d", "action": "auth.login"})) == [
        history["1h"].id
    ]


def test_range_and_types_combined(api_client, history):
    now = timezone.now()
    params = {
        "from": (now - timedelta(days=200)).isoformat(),
        "to": (now - timedelta(days=5)).isoformat(),
        "action": "auth.login,2fa.enabled",
    }

    assert _ids(api_client.get(LIST, params)) == [history["40d"].id, history["100d"].id]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "auth.nonsense"}, "action"),
        ({"period": "1y"}, "period"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-45T00:00:00Z"}, "to"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "non_field_errors"),
        ({"period": "7d", "from": "2026-01-01T00:00:00Z"}, "non_field_errors"),
    ],
)
def test_bad_filters_are_a_400_with_a_clear_message(api_client, history, params, field):
    response = api_client.get(LIST, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]
    assert error["message"]


def test_cursor_pages_are_ordered_complete_and_stable(api_client, user):
    same_instant = timezone.now() - timedelta(minutes=5)
    rows = [ActivityFactory(user=user, created_at=same_instant) for _ in range(7)]
    rows += [
        ActivityFactory(user=user, created_at=same_instant - timedelta(seconds=i))
        for i in range(1, 6)
    ]
    expected = [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]

    seen, url = [], f"{LIST}?page_size=5"
    first_page_next = None
    while url:
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        first_page_next = first_page_next or body["next"]
        url = body["next"]
        if len(seen) == 5:
            # A row written after the first page must not shift later pages.
            ActivityFactory(user=user)

    assert seen == expected
    assert api_client.get(first_page_next).json()["results"][0]["id"] == expected[5]


def test_a_forged_cursor_is_a_400(api_client, history):
    response = api_client.get(LIST, {"cursor": "bm90LWEtY3Vyc29y"})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["details"]


def test_anonymous_is_refused(anon_client, db):
    assert anon_client.get(LIST).status_code == 403


def test_an_offset_beyond_what_postgresql_holds_is_read_in_utc(api_client):
    # PostgreSQL refuses a +19:20 offset in a query; the same moment in UTC is fine.
    response = api_client.get(LIST, {"from": "9045-04-26T13:14:26+19:20"})

    assert response.status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_moment_that_does_not_exist_in_utc_is_a_400(api_client, moment):
    response = api_client.get(LIST, {"from": moment})

    assert response.status_code == 400
    assert "from" in response.json()["error"]["details"]


def test_an_offset_is_read_as_the_same_moment_in_utc(api_client, user):
    ActivityFactory(user=user, created_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))

    hit = api_client.get(LIST, {"from": "2026-01-01T13:59:00+02:00"}).json()["results"]
    miss = api_client.get(LIST, {"from": "2026-01-01T14:01:00+02:00"}).json()["results"]

    assert len(hit) == 1
    assert miss == []
