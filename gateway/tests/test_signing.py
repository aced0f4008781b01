"""gateway.signing: the canonical bytes, the signature, and the constant-time check (pure, no Django)."""

import hashlib
import hmac

import pytest

from gateway import signing

# Captured from the official Node client (cexio-protocol.md §1.3).
NODE_BODY = '{"pair":"BTC-USD","x":"é"}'.encode()
NODE_SIGNATURE = "6qDpec332F+5dZAwXO/eHH4Nsi44jRqigpG0laCfYkI="


def test_signature_matches_the_official_client_byte_for_byte():
    assert (
        signing.sign(
            secret=b"SECRET", action="get_my_orders", timestamp="1795468314", body=NODE_BODY
        )
        == NODE_SIGNATURE
    )


def test_canonical_bytes_are_action_then_timestamp_then_raw_body():
    assert signing.canonical(action="a", timestamp="1", body=b"{}") == b"a1{}"


def test_verify_accepts_the_right_signature():
    assert signing.verify(
        secret=b"SECRET",
        action="get_my_orders",
        timestamp="1795468314",
        body=NODE_BODY,
        signature=NODE_SIGNATURE,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("secret", b"SECRET2"),
        ("action", "get_my_order"),
        ("timestamp", "1795468315"),
        ("body", NODE_BODY + b" "),
        ("signature", NODE_SIGNATURE[:-2] + "A="),
        ("signature", ""),
        ("signature", "é" * 44),
    ],
)
def test_verify_refuses_any_change(field, value):
    request = {
        "secret": b"SECRET",
        "action": "get_my_orders",
        "timestamp": "1795468314",
        "body": NODE_BODY,
        "signature": NODE_SIGNATURE,
    }
    request[field] = value
    assert not signing.verify(**request)


# --- the WebSocket `auth` signature (cexio-ws-protocol.md §2.2) -----------------------------------------


def test_socket_signature_is_hex_hmac_of_timestamp_text_then_key():
    # What the official Node client computes: createHmac('sha256', secret).update(`${ts}${key}`).digest('hex')
    expected = hmac.new(b"s3cret", b"1764421000.123k3Xp9Qa1", hashlib.sha256).hexdigest()
    assert (
        signing.socket_sign(secret=b"s3cret", timestamp="1764421000.123", key="k3Xp9Qa1")
        == expected
    )


@pytest.mark.parametrize(
    ("timestamp", "key", "signature_of", "ok"),
    [
        ("1764421000.123", "k", ("1764421000.123", "k"), True),
        (
            "1764421000.123",
            "k",
            ("1764421000.12", "k"),
            False,
        ),  # the token, not the number, is signed
        ("1764421000", "k", ("1764421000", "other"), False),
    ],
)
def test_socket_verify_accepts_only_the_signature_of_that_token_and_key(
    timestamp, key, signature_of, ok
):
    signature = signing.socket_sign(secret=b"s", timestamp=signature_of[0], key=signature_of[1])
    assert (
        signing.socket_verify(secret=b"s", timestamp=timestamp, key=key, signature=signature) is ok
    )


def test_socket_verify_takes_upper_case_hex_and_refuses_non_ascii():
    signature = signing.socket_sign(secret=b"s", timestamp="1", key="k")
    assert signing.socket_verify(secret=b"s", timestamp="1", key="k", signature=signature.upper())
    assert not signing.socket_verify(secret=b"s", timestamp="1", key="k", signature="é" * 64)
