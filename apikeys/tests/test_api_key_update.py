import pytest
from django.urls import reverse

from activities.models import Activity, ActivityType
from apikeys.selectors import api_key_get_for_auth
from apikeys.tests.factories import issue_key


def patch(client, key, data):  # type: ignore[no-untyped-def]
    return client.patch(reverse("api-key", args=[key.public_id]), data, format="json")


def test_renaming_keeps_the_key_active(api_client, user):
    key, _ = issue_key(user=user, active=True, name="Old")

    response = patch(api_client, key, {"name": "New"})

    assert response.status_code == 200
    assert response.json()["name"] == "New"
    assert response.json()["status"] == "active"
    row = Activity.objects.get(action=ActivityType.APIKEY_UPDATED)
    assert row.details == {"changes": {"name": {"old": "Old", "new": "New"}}, "deactivated": False}


@pytest.mark.parametrize(
    ("data", "field", "old", "new"),
    [
        (
            {"permissions": ["read"]},
            "permissions",
            ["read", "trade", "funds_internal", "funds_wallet"],
            ["read"],
        ),
        ({"ip_whitelist": ["10.0.0.0/8"]}, "ip_whitelist", [], ["10.0.0.0/8"]),
    ],
)
def test_changing_permissions_or_whitelist_deactivates_the_key(
    api_client, user, data, field, old, new, django_capture_on_commit_callbacks
):
    key, _ = issue_key(user=user, active=True)
    assert api_key_get_for_auth(public_id=key.public_id).is_active  # warm the cache

    with django_capture_on_commit_callbacks(execute=True):
        response = patch(api_client, key, data)

    assert response.status_code == 200
    assert response.json()["status"] == "inactive"
    assert response.json()[field] == new
    key.refresh_from_db()
    assert not key.is_active
    row = Activity.objects.get(action=ActivityType.APIKEY_UPDATED)
    assert row.details == {"changes": {field: {"old": old, "new": new}}, "deactivated": True}
    assert (
        Activity.objects.get(action=ActivityType.APIKEY_DEACTIVATED).details["reason"] == "edited"
    )
    auth = api_key_get_for_auth(public_id=key.public_id)
    assert auth.is_active is False
    assert auth.permissions == frozenset(key.permissions)


def test_an_edit_that_changes_nothing_records_nothing(api_client, user):
    key, _ = issue_key(
        user=user, active=True, permissions=["read", "trade"], ip_whitelist=["1.2.3.4"]
    )

    response = patch(
        api_client,
        key,
        {"name": key.name, "permissions": ["trade", "read"], "ip_whitelist": ["1.2.3.4"]},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert not Activity.objects.filter(action=ActivityType.APIKEY_UPDATED).exists()


def test_read_cannot_be_removed(api_client, user):
    key, _ = issue_key(user=user, active=False, permissions=["read", "trade"])
    response = patch(api_client, key, {"permissions": []})
    assert response.json()["permissions"] == ["read"]


def test_an_invalid_edit_changes_nothing(api_client, user):
    key, _ = issue_key(user=user, active=True, name="Keep")
    response = patch(api_client, key, {"name": "New", "permissions": ["root"]})
    assert response.status_code == 400
    key.refresh_from_db()
    assert key.name == "Keep"
    assert key.is_active
    assert not Activity.objects.filter(action=ActivityType.APIKEY_UPDATED).exists()
