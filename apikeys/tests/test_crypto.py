import base64
import os

import pytest

from apikeys import crypto


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def keys(settings):  # type: ignore[no-untyped-def]
    settings.API_KEY_ENCRYPTION_KEYS = [new_key()]
    return settings


def test_encrypt_then_decrypt_round_trips_and_hides_the_plaintext(keys):
    token = crypto.encrypt(b"top secret", associated_data=b"pub-1")
    assert b"top secret" not in token
    assert crypto.decrypt(token, associated_data=b"pub-1") == b"top secret"
    assert crypto.decrypt(memoryview(token), associated_data=b"pub-1") == b"top secret"


def test_two_encryptions_of_the_same_secret_differ(keys):
    assert crypto.encrypt(b"s", associated_data=b"p") != crypto.encrypt(b"s", associated_data=b"p")


def test_a_token_bound_to_another_public_id_does_not_decrypt(keys):
    token = crypto.encrypt(b"secret", associated_data=b"pub-1")
    with pytest.raises(crypto.DecryptionError, match="authenticate"):
        crypto.decrypt(token, associated_data=b"pub-2")


def test_a_tampered_token_does_not_decrypt(keys):
    token = bytearray(crypto.encrypt(b"secret", associated_data=b"p"))
    token[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(token), associated_data=b"p")


@pytest.mark.parametrize("token", [b"", b"\x01" + b"\x00" * 16, b"\x02" + b"\x00" * 40])
def test_malformed_tokens_are_refused(keys, token):
    with pytest.raises(crypto.DecryptionError, match="not an encrypted token"):
        crypto.decrypt(token, associated_data=b"p")


def test_rotation_old_keys_still_decrypt_and_new_tokens_use_the_first_key(keys):
    old_token = crypto.encrypt(b"secret", associated_data=b"p")
    assert crypto.is_current(old_token)
    keys.API_KEY_ENCRYPTION_KEYS = [new_key(), *keys.API_KEY_ENCRYPTION_KEYS]
    assert not crypto.is_current(old_token)
    assert crypto.decrypt(old_token, associated_data=b"p") == b"secret"
    fresh = crypto.reencrypt(old_token, associated_data=b"p")
    assert crypto.is_current(fresh)
    keys.API_KEY_ENCRYPTION_KEYS = keys.API_KEY_ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(fresh, associated_data=b"p") == b"secret"
    with pytest.raises(crypto.DecryptionError, match="not configured"):
        crypto.decrypt(old_token, associated_data=b"p")


def test_sealed_text_opens_only_in_its_context(keys):
    sealed = crypto.seal_text("12345678", context="activation:1")
    assert "12345678" not in sealed
    assert crypto.open_text(sealed, context="activation:1") == "12345678"
    with pytest.raises(crypto.DecryptionError):
        crypto.open_text(sealed, context="activation:2")
    with pytest.raises(crypto.DecryptionError, match="base64"):
        crypto.open_text("not base64!", context="activation:1")
