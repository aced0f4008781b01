"""gateway.signing: the canonical bytes, the signature, and the constant-time check (pure, no Django)."""

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
