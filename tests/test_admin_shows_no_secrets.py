"""No admin page shows a TOTP secret, a QR/otpauth link, a recovery code, an API secret or its ciphertext.

Every registered model's changelist and every object's change page is rendered and searched for each form the
secrets could take.
"""

import base64

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import TOTPDeviceFactory
from apikeys.models import ApiKey
from apikeys.tests.factories import issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def secrets(user, staff_user):  # type: ignore[no-untyped-def]
    device = TOTPDeviceFactory(user=user)
    pending = TOTPDeviceFactory(user=staff_user, confirmed=False, name="Pending phone")
    key, api_secret = issue_key(user=user)
    ciphertext = bytes(ApiKey.objects.get(pk=key.pk).secret_encrypted)
    values = [api_secret, ciphertext.hex(), base64.b64encode(ciphertext).decode(), "otpauth://"]
    for dev in (device, pending):
        values += [dev.key, base64.b32encode(dev.bin_key).decode().rstrip("=")]
    recovery = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for token in ("k7m2p9x4qa", "z3n8r5t2wb"):
        StaticToken.objects.create(device=recovery, token=token)
        values.append(token)
    return values


def pages(client):  # type: ignore[no-untyped-def]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        yield reverse(f"{name}_changelist")
        for pk in model_admin.get_queryset(_request(client)).values_list("pk", flat=True)[:20]:
            yield reverse(f"{name}_change", args=[pk])


def _request(client):  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    from accounts.models import User

    request = RequestFactory().get("/")
    request.user = User.objects.get(email="staff@example.com")
    return request


def test_no_admin_page_shows_a_secret(admin_client, secrets):
    seen = 0
    for url in pages(admin_client):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for value in secrets:
            assert value not in html, (url, value[:12])
        seen += 1
    assert seen > 20  # every model's list and the change pages of the devices, keys, users, ...


def test_the_totp_admin_is_read_only_and_has_no_qr_or_config_page(admin_client, user):
    device = TOTPDeviceFactory(user=user)
    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])

    page = admin_client.get(change).content.decode()
    edit = admin_client.post(change, {"name": "renamed", "confirmed": "", "key": "00" * 20})
    add = admin_client.get(reverse("admin:otp_totp_totpdevice_add"))
    delete = admin_client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    for field in ("Authenticator app", "Confirmed", "Last used"):
        assert field in page
    assert (edit.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    device.refresh_from_db()
    assert (device.name, device.confirmed) == ("Authenticator app", True)
    for stock_view in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{stock_view}", args=[device.pk])
    assert TOTPDevice.objects.count() == 2  # the staff member's own device, and this one
