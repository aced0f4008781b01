import base64
import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from activities.models import Activity, ActivityType, Source
from apikeys import crypto
from apikeys.models import ApiKey
from apikeys.selectors import api_key_get_for_auth
from apikeys.tests.factories import issue_key


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_apikey_create_prints_the_key_id_and_secret_and_records_the_operator(user):
    output = run(
        "apikey_create",
        "TRADER@example.com",
        "--name",
        "Ops bot",
        "--permissions",
        "read,trade,funds_internal,funds_wallet",
        "--ip",
        "10.0.0.0/8",
        "--ip",
        "2001:db8::1",
        "--active",
    )

    data = json.loads(output)
    key = ApiKey.objects.get(public_id=data["key"])
    assert key.user == user
    assert key.is_active
    assert key.name == "Ops bot"
    assert data["permissions"] == ["read", "trade", "funds_internal", "funds_wallet"]
    assert data["ip_whitelist"] == ["10.0.0.0/8", "2001:db8::1"]
    assert api_key_get_for_auth(public_id=data["key"]).secret == data["secret"].encode()
    row = Activity.objects.get(action=ActivityType.APIKEY_CREATED)
    assert row.source == Source.OPERATOR
    assert row.api_key == key.public_id
    assert data["secret"] not in str(row.details)


def test_apikey_create_without_active_makes_an_inactive_key(user):
    data = json.loads(run("apikey_create", user.email, "--name", "Quiet", "--permissions", "read"))
    assert data["active"] is False
    assert not ApiKey.objects.get(public_id=data["key"]).is_active


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "--name", "x"], "no user"),
        (["trader@example.com", "--name", "x", "--permissions", "read,god"], "god"),
        (["trader@example.com", "--name", "x", "--ip", "300.1.1.1"], "300.1.1.1"),
    ],
)
def test_apikey_create_refuses_bad_input_clearly(user, args, message):
    with pytest.raises(CommandError, match=message):
        run("apikey_create", *args)
    assert not ApiKey.objects.exists()


def test_reencrypt_moves_every_secret_to_the_new_key_and_keeps_keys_usable(
    db, settings, django_capture_on_commit_callbacks
):
    keys = [issue_key() for _ in range(3)]
    for key, _ in keys:
        api_key_get_for_auth(public_id=key.public_id)  # warm the cache with the old ciphertexts
    old_key = settings.API_KEY_ENCRYPTION_KEYS[0]
    settings.API_KEY_ENCRYPTION_KEYS = [base64.b64encode(os.urandom(32)).decode(), old_key]

    with django_capture_on_commit_callbacks(execute=True):
        output = run("apikey_reencrypt")
    assert "re-encrypted 3 of 3" in output

    settings.API_KEY_ENCRYPTION_KEYS = settings.API_KEY_ENCRYPTION_KEYS[
        :1
    ]  # the old key is retired
    for key, secret in keys:
        stored = ApiKey.objects.get(pk=key.pk).secret_encrypted
        assert crypto.is_current(stored)
        assert api_key_get_for_auth(public_id=key.public_id).secret == secret.encode()
    assert "re-encrypted 0 of 3" in run("apikey_reencrypt")


def test_a_ciphertext_copied_onto_another_key_does_not_decrypt(db):
    (first, _), (second, _) = issue_key(), issue_key()
    ApiKey.objects.filter(pk=second.pk).update(secret_encrypted=first.secret_encrypted)
    with pytest.raises(crypto.DecryptionError):
        api_key_get_for_auth(public_id=second.public_id)
