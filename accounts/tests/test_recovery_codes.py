"""2FA recovery codes (django-otp static tokens): ten at confirmation, shown once, each good once wherever a TOTP
code is accepted (login, API key create and delete, 2FA disable), regenerated with a 2FA code."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from accounts.services import recovery_codes_left, totp_enrol_start
from accounts.tests.factories import fresh_totp_code
from activities.models import Activity, ActivityType
from apikeys.models import ApiKey

pytestmark = pytest.mark.django_db

CONFIRM, DISABLE = reverse("2fa-confirm"), reverse("2fa-disable")
CODES = reverse("2fa-recovery-codes")
LOGIN = reverse("auth-login")


@pytest.fixture
def codes(api_client, user) -> list[str]:  # type: ignore[no-untyped-def]
    """Enrol and confirm 2FA through the API; the recovery codes the confirmation answered."""
    totp_enrol_start(user=user)
    device = user.totpdevice_set.get()
    response = api_client.post(CONFIRM, {"code": fresh_totp_code(device)}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["recovery_codes"]


def _device(user):  # type: ignore[no-untyped-def]
    return user.totpdevice_set.get(confirmed=True)


def test_confirming_2fa_hands_out_ten_distinct_codes_once(api_client, user, codes):
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    assert api_client.get(CODES).json() == {"left": 10}
    assert api_client.get(reverse("profile")).json()["recovery_codes_left"] == 10
    row = Activity.objects.get(user=user, action=ActivityType.RECOVERY_CODES_GENERATED)
    assert row.details == {"count": 10, "reason": "2fa_enabled"}
    assert "recovery_codes" not in api_client.get(reverse("2fa-status")).json()


def test_a_recovery_code_logs_in_once(anon_client, user, password, codes):
    first = anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": codes[0]}, format="json"
    )
    assert first.status_code == 200, first.json()
    assert first.json()["recovery_codes_left"] == 9

    again = anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": codes[0]}, format="json"
    )

    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_2fa_code"
    used = Activity.objects.get(user=user, action=ActivityType.RECOVERY_CODE_USED)
    assert used.details == {"purpose": "login", "left": 9}
    assert codes[0].replace("-", "") not in str(
        list(Activity.objects.values_list("details", flat=True))
    )


def test_a_recovery_code_is_accepted_without_the_dash_and_in_capitals(
    anon_client, user, password, codes
):
    code = codes[3].replace("-", "").upper()

    response = anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": code}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert recovery_codes_left(user=user) == 9


def test_recovery_codes_create_and_delete_api_keys(api_client, user, codes):
    created = api_client.post(
        reverse("api-keys"),
        {"name": "bot", "permissions": ["trade"], "ip_whitelist": [], "code": codes[1]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    key_id = created.json()["key_id"]

    deleted = api_client.post(
        reverse("api-key-delete", args=[key_id]), {"code": codes[2]}, format="json"
    )

    assert deleted.status_code == 204, deleted.content
    assert not ApiKey.objects.filter(public_id=key_id).exists()
    purposes = Activity.objects.filter(action=ActivityType.RECOVERY_CODE_USED).values_list(
        "details__purpose", flat=True
    )
    assert sorted(purposes) == ["apikey_create", "apikey_delete"]
    assert recovery_codes_left(user=user) == 8


def test_a_used_recovery_code_does_not_create_a_key(api_client, user, codes, anon_client, password):
    anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": codes[4]}, format="json"
    )

    refused = api_client.post(
        reverse("api-keys"),
        {"name": "bot", "permissions": [], "ip_whitelist": [], "code": codes[4]},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_2fa_code"
    assert not ApiKey.objects.exists()


def test_regenerating_needs_a_2fa_code_and_voids_the_old_codes(
    api_client, user, codes, anon_client, password
):
    refused = api_client.post(CODES, {"code": "000000"}, format="json")
    assert refused.status_code == 400
    assert recovery_codes_left(user=user) == 10

    response = api_client.post(CODES, {"code": fresh_totp_code(_device(user))}, format="json")

    assert response.status_code == 200
    new_codes = response.json()["recovery_codes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    old = anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": codes[0]}, format="json"
    )
    assert old.status_code == 400
    new = anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": new_codes[0]}, format="json"
    )
    assert new.status_code == 200
    reasons = Activity.objects.filter(action=ActivityType.RECOVERY_CODES_GENERATED).values_list(
        "details__reason", flat=True
    )
    assert sorted(reasons) == ["2fa_enabled", "regenerated"]


def test_disabling_2fa_removes_the_recovery_codes(api_client, user, codes):
    response = api_client.post(DISABLE, {"code": codes[0]}, format="json")

    assert response.status_code == 200
    assert not StaticToken.objects.exists()
    assert api_client.get(CODES).json() == {"left": 0}


def test_without_2fa_regenerating_is_refused(api_client, user):
    response = api_client.post(CODES, {"code": "123456"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "2fa_required"
    assert not StaticToken.objects.exists()


def test_the_admin_never_lists_recovery_codes(admin_client, user, codes):
    client = admin_client

    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    page = client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert all(code.replace("-", "") not in page for code in codes)
