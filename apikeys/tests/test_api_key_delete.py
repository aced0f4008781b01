import pytest
from django.urls import reverse

from activities.models import Activity, ActivityType
from apikeys.models import ApiKey
from apikeys.selectors import api_key_get_for_auth
from apikeys.tests.factories import issue_key, totp_code


def delete(client, key, data):  # type: ignore[no-untyped-def]
    return client.post(reverse("api-key-delete", args=[key.public_id]), data, format="json")


def test_delete_with_a_valid_code_removes_the_key_and_it_stops_working_at_once(
    api_client, totp_user, django_capture_on_commit_callbacks
):
    key, _ = issue_key(user=totp_user, active=True)
    assert api_key_get_for_auth(public_id=key.public_id) is not None  # warm the cache

    with django_capture_on_commit_callbacks(execute=True):
        response = delete(api_client, key, {"code": totp_code(totp_user)})

    assert response.status_code == 204
    assert not ApiKey.objects.filter(pk=key.pk).exists()
    assert api_key_get_for_auth(public_id=key.public_id) is None
    row = Activity.objects.get(action=ActivityType.APIKEY_DELETED)
    assert row.api_key == key.public_id
    assert row.details["name"] == key.name


@pytest.mark.parametrize("data", [{}, {"code": ""}, {"code": "000000"}])
def test_delete_without_or_with_a_wrong_code_leaves_the_key(api_client, totp_user, data):
    key, _ = issue_key(user=totp_user, active=True)

    response = delete(api_client, key, data)

    assert response.status_code == 400
    assert ApiKey.objects.filter(pk=key.pk, is_active=True).exists()
    assert not Activity.objects.filter(action=ActivityType.APIKEY_DELETED).exists()


def test_delete_needs_2fa_set_up(api_client, user):
    key, _ = issue_key(user=user)
    response = delete(api_client, key, {"code": "123456"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "2fa_required"
    assert ApiKey.objects.filter(pk=key.pk).exists()
