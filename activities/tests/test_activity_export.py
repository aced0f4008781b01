import csv
import io
import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityType
from activities.tests.factories import ActivityFactory

EXPORT = reverse("activity-export")


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_streams_my_rows_as_csv_with_a_header(api_client, user, other_user):
    row = ActivityFactory(
        user=user,
        action=ActivityType.PROFILE_UPDATED,
        ip="2001:db8::1",
        details={"changes": {"full_name": {"old": "a", "new": "b, c"}}},
    )
    ActivityFactory(user=other_user)

    lines = _rows(api_client.get(EXPORT))

    assert lines[0] == ["time", "action", "outcome", "source", "ip", "api_key", "details"]
    assert lines[1:] == [
        [
            row.created_at.isoformat(),
            "profile.updated",
            "ok",
            "web",
            "2001:db8::1",
            "",
            json.dumps(row.details, sort_keys=True),
        ]
    ]


def test_export_applies_the_same_filters(api_client, user):
    now = timezone.now()
    ActivityFactory(user=user, action=ActivityType.LOGIN, created_at=now - timedelta(days=3))
    ActivityFactory(user=user, action=ActivityType.LOGOUT, created_at=now - timedelta(hours=2))
    ActivityFactory(user=user, action=ActivityType.LOGIN, created_at=now - timedelta(hours=1))

    lines = _rows(api_client.get(EXPORT, {"period": "24h", "action": "auth.login"}))

    assert [line[1] for line in lines[1:]] == ["auth.login"]


def test_export_rejects_bad_filters_with_a_json_400(api_client, user):
    response = api_client.get(EXPORT, {"from": "not-a-date"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
