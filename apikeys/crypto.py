"""Encryption at rest for API secrets (and other short-lived confidential values): AES-256-GCM.

Why encryption and not hashing: the gateway needs the plaintext secret as the HMAC key on every signed request.
AES-GCM decrypts in about a microsecond (Fernet: about 13).

Keys come from `settings.API_KEY_ENCRYPTION_KEYS` (base64 of 32 bytes each): the first encrypts, all decrypt, so a
rotation is "prepend a key, run `apikey_reencrypt`, drop the old key". A token is

    version (1 byte) | key id (4 bytes: SHA-256 of the key) | nonce (12 bytes) | ciphertext + tag

and the caller's `associated_data` (for a secret: the key's public id) is authenticated with it, so a token copied
onto another row, or a tampered one, fails to decrypt instead of yielding another key's secret.
"""

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = b"\x01"
KEY_ID_BYTES = 4
NONCE_BYTES = 12
HEADER_BYTES = len(VERSION) + KEY_ID_BYTES + NONCE_BYTES


class DecryptionError(Exception):
    """A token that no configured key opens: unknown key id, wrong associated data, tampering, bad format."""


@dataclass(frozen=True, slots=True)
class _Keyring:
    current_id: bytes
    ciphers: dict[bytes, AESGCM]


@lru_cache(maxsize=4)
def _keyring(encoded_keys: tuple[str, ...]) -> _Keyring:
    # Cached per key list: building AESGCM objects costs more than a decryption. Settings are validated at
    # start-up (config/settings.py), so a malformed key here is a programming error and may raise.
    raw_keys = [base64.b64decode(encoded, validate=True) for encoded in encoded_keys]
    key_ids = [hashlib.sha256(raw).digest()[:KEY_ID_BYTES] for raw in raw_keys]
    return _Keyring(
        current_id=key_ids[0],
        ciphers={key_id: AESGCM(raw) for key_id, raw in zip(key_ids, raw_keys, strict=True)},
    )


def _current() -> _Keyring:
    return _keyring(tuple(settings.API_KEY_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes, *, associated_data: bytes) -> bytes:
    """Encrypt under the first configured key with a fresh random nonce."""
    ring = _current()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, plaintext, associated_data)
    return VERSION + ring.current_id + nonce + sealed


def decrypt(token: bytes, *, associated_data: bytes) -> bytes:
    """Open a token from `encrypt`. Raises `DecryptionError`; never returns unauthenticated bytes."""
    token = bytes(token)  # BinaryField values arrive as memoryview on PostgreSQL
    if len(token) <= HEADER_BYTES or token[:1] != VERSION:
        raise DecryptionError("not an encrypted token")
    cipher = _current().ciphers.get(token[1 : 1 + KEY_ID_BYTES])
    if cipher is None:
        raise DecryptionError("encrypted under a key that is not configured")
    try:
        return cipher.decrypt(
            token[1 + KEY_ID_BYTES : HEADER_BYTES], token[HEADER_BYTES:], associated_data
        )
    except InvalidTag:
        raise DecryptionError("token does not authenticate") from None


def is_current(token: bytes) -> bool:
    """True when the token is already encrypted under the first key (nothing to re-encrypt)."""
    return bytes(token[1 : 1 + KEY_ID_BYTES]) == _current().current_id


def reencrypt(token: bytes, *, associated_data: bytes) -> bytes:
    """The same plaintext under the first key (a fresh nonce even when it already was)."""
    return encrypt(decrypt(token, associated_data=associated_data), associated_data=associated_data)


def seal_text(text: str, *, context: str) -> str:
    """`encrypt` for JSON transports (Celery arguments): base64 text, bound to `context`."""
    return base64.b64encode(encrypt(text.encode(), associated_data=context.encode())).decode()


def open_text(sealed: str, *, context: str) -> str:
    try:
        token = base64.b64decode(sealed, validate=True)
    except ValueError:
        raise DecryptionError("not base64") from None
    return decrypt(token, associated_data=context.encode()).decode()
