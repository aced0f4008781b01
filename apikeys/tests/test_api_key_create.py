import pytest
from django.urls import reverse

from activities.models import Activity, ActivityType, Outcome, Source
from apikeys import crypto
from apikeys.models import ApiKey
from apikeys.tests.factories import issue_key, totp_code

URL = reverse("api-keys")


def body(user, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "My bot",
        "permissions": ["trade"],
        "ip_whitelist": ["10.0.0.0/8"],
        "code": totp_code(user),
    }
    data.update(overrides)
    return data


def test_an_account_starts_with_no_keys(api_client, user):
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response.json() == []


def test_create_returns_the_secret_once_and_an_inactive_key(api_client, totp_user):
    response = api_client.post(URL, body(totp_user), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "inactive"
    assert data["permissions"] == ["read", "trade"]
    assert data["ip_whitelist"] == ["10.0.0.0/8"]
    assert data["actions"] == ["activate", "edit", "delete"]
    assert len(data["key_id"]) >= 32
    assert len(data["secret"]) >= 32
    assert response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get(public_id=data["key_id"])
    assert key.user == totp_user
    assert not key.is_active
    assert (
        crypto.decrypt(key.secret_encrypted, associated_data=key.public_id.encode()).decode()
        == (data["secret"])
    )
    row = Activity.objects.get(action=ActivityType.APIKEY_CREATED)
    assert row.api_key == key.public_id
    assert row.source == Source.WEB
    assert row.details == {
        "name": "My bot",
        "permissions": ["read", "trade"],
        "ip_whitelist": ["10.0.0.0/8"],
        "active": False,
    }


def test_read_is_always_on_even_when_not_asked_for(api_client, totp_user):
    response = api_client.post(URL, body(totp_user, permissions=[]), format="json")
    assert response.json()["permissions"] == ["read"]


def test_unknown_permission_is_refused(api_client, totp_user):
    response = api_client.post(URL, body(totp_user, permissions=["admin"]), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not ApiKey.objects.exists()


def test_user_without_2fa_gets_a_distinct_error_and_no_key(api_client, user):
    response = api_client.post(
        URL, {"name": "x", "permissions": [], "code": "123456"}, format="json"
    )

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "2fa_required"
    assert "profile" in error["message"]
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("code", ["000000", "12345"])
def test_wrong_or_missing_totp_code_creates_nothing(api_client, totp_user, code):
    response = api_client.post(URL, body(totp_user, code=code), format="json")

    assert response.status_code == 400
    assert not ApiKey.objects.exists()
    assert not Activity.objects.filter(action=ActivityType.APIKEY_CREATED).exists()


def test_wrong_totp_code_is_recorded(api_client, totp_user):
    api_client.post(URL, body(totp_user, code="000000"), format="json")
    row = Activity.objects.get(action=ActivityType.TWO_FACTOR_FAILED)
    assert row.outcome == Outcome.REFUSED
    assert row.details == {"purpose": "apikey_create"}


def test_the_key_limit_is_a_setting_with_a_clear_error(api_client, totp_user, settings):
    settings.API_KEY_MAX_PER_USER = 2
    issue_key(user=totp_user)
    issue_key(user=totp_user)

    response = api_client.post(URL, body(totp_user), format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "api_key_limit_reached"
    assert "at most 2" in error["message"]
    assert ApiKey.objects.filter(user=totp_user).count() == 2


def test_default_limit_is_twenty(settings, user):
    assert settings.API_KEY_MAX_PER_USER == 20


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_name_is_required_and_short(api_client, totp_user, name):
    response = api_client.post(URL, body(totp_user, name=name), format="json")
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_create_needs_a_session_and_csrf(csrf_client, totp_user):
    assert csrf_client.post(URL, {}, format="json").status_code == 403
    csrf_client.force_login(totp_user)
    response = csrf_client.post(URL, body(totp_user), format="json")
    assert response.status_code == 403
    assert not ApiKey.objects.exists()
