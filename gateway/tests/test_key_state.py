"""A key's state is checked on every request: deactivation, edit and deletion take effect on the very next
call, even though the key lookup is cached (the apikeys services invalidate it on commit)."""

import pytest

from accounts.tests.factories import TOTPDeviceFactory, fresh_totp_code
from activities.actor import Actor
from activities.models import Source
from apikeys.models import ApiKey
from apikeys.services import api_key_deactivate, api_key_delete, api_key_update
from gateway.tests.conftest import Signer, body_of, gateway_rows

pytestmark = pytest.mark.django_db


def test_key_deactivated_between_two_calls_is_refused_on_the_next(
    signer: Signer, key_and_secret, django_capture_on_commit_callbacks
):
    key, _ = key_and_secret
    assert signer.post("get_server_time").status_code == 200  # the key is now in the shared cache
    with django_capture_on_commit_callbacks(execute=True):
        api_key_deactivate(key=key, actor=Actor(ip=None, source=Source.WEB))
    response = signer.post("get_server_time")
    assert response.status_code == 401
    assert "API key is not activated" in body_of(response)["error"]


def test_key_edited_is_deactivated_and_refused(
    signer: Signer, key_and_secret, django_capture_on_commit_callbacks
):
    key, _ = key_and_secret
    assert signer.post("get_server_time").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        api_key_update(key=key, permissions=["read"], actor=Actor(ip=None, source=Source.WEB))
    response = signer.post("get_server_time")
    assert response.status_code == 401
    assert "API key is not activated" in body_of(response)["error"]


def test_key_deleted_is_refused_on_the_next_call(
    user, signer: Signer, key_and_secret, django_capture_on_commit_callbacks
):
    key, _ = key_and_secret
    device = TOTPDeviceFactory(user=user)
    assert signer.post("get_server_time").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        api_key_delete(
            key=key, totp_code=fresh_totp_code(device), actor=Actor(ip=None, source=Source.WEB)
        )
    rows_before = gateway_rows().count()
    response = signer.post("get_server_time")
    assert response.status_code == 401
    assert "Invalid API key" in body_of(response)["error"]
    assert not ApiKey.objects.exists()
    assert gateway_rows().count() == rows_before  # the key is unknown now: no owner to log it for
