import re
from urllib.parse import parse_qs, urlparse

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import totp_require
from accounts.tests.factories import TOTPDeviceFactory, fresh_totp_code
from activities.actor import Actor
from activities.models import Activity, ActivityType, Source

ENROL, CONFIRM = reverse("2fa-enrol"), reverse("2fa-confirm")
DISABLE, STATUS = reverse("2fa-disable"), reverse("2fa-status")


def _code_from_uri(uri: str) -> str:
    import base64

    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_enrolment_returns_an_otpauth_uri_and_an_svg_qr_code(api_client, user):
    response = api_client.post(ENROL)

    assert response.status_code == 200
    body = response.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert "trader%40example.com" in body["otpauth_uri"]
    assert re.search(r"<svg[^>]*>", body["qr_svg"])
    assert api_client.get(STATUS).json() == {"enabled": False, "pending_enrolment": True}


def test_confirm_with_the_apps_code_turns_2fa_on_and_is_recorded(api_client, user):
    uri = api_client.post(ENROL).json()["otpauth_uri"]

    response = api_client.post(CONFIRM, {"code": _code_from_uri(uri)}, format="json")

    assert response.status_code == 200
    assert api_client.get(STATUS).json() == {"enabled": True, "pending_enrolment": False}
    assert api_client.get(reverse("profile")).json()["two_factor_enabled"] is True
    assert Activity.objects.filter(user=user, action=ActivityType.TWO_FACTOR_ENABLED).count() == 1


def test_a_wrong_code_leaves_2fa_off_and_is_recorded(api_client, user):
    api_client.post(ENROL)

    response = api_client.post(CONFIRM, {"code": "123456"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_2fa_code"
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    failed = Activity.objects.get(user=user, action=ActivityType.TWO_FACTOR_FAILED)
    assert failed.details == {"purpose": "enrol"}


def test_confirm_without_enrolment_is_a_conflict(api_client, user):
    response = api_client.post(CONFIRM, {"code": "123456"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "2fa_enrolment_missing"


def test_enrolling_again_while_enabled_is_refused(api_client, user):
    TOTPDeviceFactory(user=user)

    response = api_client.post(ENROL)

    assert response.status_code == 409
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_restarting_enrolment_replaces_the_pending_device(api_client, user):
    first = api_client.post(ENROL).json()["otpauth_uri"]
    second = api_client.post(ENROL).json()["otpauth_uri"]

    assert first != second
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_disable_needs_a_valid_code(api_client, user):
    device = TOTPDeviceFactory(user=user)

    refused = api_client.post(DISABLE, {"code": "000000"}, format="json")
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=user).exists()

    accepted = api_client.post(DISABLE, {"code": fresh_totp_code(device)}, format="json")
    assert accepted.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert Activity.objects.filter(user=user, action=ActivityType.TWO_FACTOR_DISABLED).count() == 1


def test_malformed_codes_are_a_400(api_client, user):
    TOTPDeviceFactory(user=user)

    for code in ["", "abc", "12", "123456789012", "abcde-fghij-k"]:
        response = api_client.post(DISABLE, {"code": code}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"


def test_repeated_wrong_codes_are_limited_with_a_wait(api_client, user, settings):
    settings.TOTP_FAILURES_PER_USER = 3
    device = TOTPDeviceFactory(user=user)
    for _ in range(3):
        api_client.post(DISABLE, {"code": "000000"}, format="json")

    response = api_client.post(DISABLE, {"code": fresh_totp_code(device)}, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert TOTPDevice.objects.filter(user=user).exists()


def test_a_code_cannot_be_used_twice(user):
    device = TOTPDeviceFactory(user=user)
    code = fresh_totp_code(device)
    totp_require(user=user, code=code, purpose="test", actor=Actor(ip=None, source=Source.WEB))

    import pytest

    from accounts.errors import InvalidTotpCodeError

    with pytest.raises(InvalidTotpCodeError):
        totp_require(user=user, code=code, purpose="test", actor=Actor(ip=None, source=Source.WEB))


def test_totp_require_without_a_device_names_the_fix(user):
    import pytest

    from accounts.errors import TwoFactorRequiredError

    with pytest.raises(TwoFactorRequiredError) as caught:
        totp_require(
            user=user,
            code="123456",
            purpose="apikey.create",
            actor=Actor(ip=None, source=Source.WEB),
        )

    assert caught.value.code == "2fa_required"
    assert "profile" in caught.value.message


def test_code_from_next_window_is_accepted_within_tolerance(user):
    device = TOTPDeviceFactory(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(tolerance=1)

    device.refresh_from_db()
    authenticator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    authenticator.time += device.step  # the code the phone will show in the next window
    code, window = f"{authenticator.token():0{device.digits}d}", authenticator.t()

    totp_require(user=user, code=code, purpose="test", actor=Actor(ip=None, source=Source.WEB))

    device.refresh_from_db()
    assert device.last_t == window  # accepted as the next window's code, and spent
    assert not Activity.objects.filter(user=user, action=ActivityType.TWO_FACTOR_FAILED).exists()
