"""The CEX.IO request signature, pure (no Django): what is signed, how, and the constant-time check.

signature = base64(HMAC-SHA256(key=secret_utf8_bytes, msg=action + timestamp + raw_body))

`raw_body` is the request body exactly as received: never re-serialise parsed JSON (key order, spacing and
escaping would change). `timestamp` is exactly the `X-AGGR-TIMESTAMP` header text.
"""

import base64
import hashlib
import hmac


def canonical(*, action: str, timestamp: str, body: bytes) -> bytes:
    """The signed bytes: action name, timestamp text, raw body."""
    return action.encode() + timestamp.encode() + body


def sign(*, secret: bytes, action: str, timestamp: str, body: bytes) -> str:
    """The 44-character standard base64 signature of one request."""
    digest = hmac.new(
        secret, canonical(action=action, timestamp=timestamp, body=body), hashlib.sha256
    )
    return base64.b64encode(digest.digest()).decode("ascii")


def verify(*, secret: bytes, action: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when `signature` is the request's signature. Constant time in the signature's content."""
    expected = sign(secret=secret, action=action, timestamp=timestamp, body=body)
    # compare_digest on str requires ASCII; a non-ASCII header is simply a wrong signature.
    if not signature.isascii():
        return False
    return hmac.compare_digest(expected, signature)


def socket_sign(*, secret: bytes, timestamp: str, key: str) -> str:
    """The WebSocket `auth` signature: lowercase hex HMAC-SHA256 of `timestamp + key` (timestamp as sent)."""
    return hmac.new(secret, (timestamp + key).encode(), hashlib.sha256).hexdigest()


def socket_verify(*, secret: bytes, timestamp: str, key: str, signature: str) -> bool:
    """True when `signature` signs this `auth` message. Constant time in the signature's content."""
    if not signature.isascii():
        return False
    expected = socket_sign(secret=secret, timestamp=timestamp, key=key)
    return hmac.compare_digest(expected, signature.lower())
