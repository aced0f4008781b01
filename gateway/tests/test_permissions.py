"""Each action declares the permission it needs; a key without it gets 403 naming the permission."""

import pytest

from gateway.registry import PRIVATE
from gateway.tests.conftest import ORDER, Signer, body_of, gateway_rows, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_only(user) -> Signer:
    key, secret = issue(user, permissions=("read",))
    return Signer(key.public_id, secret)


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("do_test_trade", "Trade"),
        ("do_test_internal", "Funds Internal"),
        ("do_test_wallet", "Funds Wallet"),
    ],
)
def test_read_only_key_cannot_call_trade_or_funds_actions(
    read_only: Signer, test_actions, action: str, label: str
):
    response = read_only.post(action, ORDER)
    assert response.status_code == 403
    assert body_of(response) == {
        "error": f"Permission denied: API key lacks '{label}' permission",
        "statusCode": 403,
    }
    row = gateway_rows().get()
    assert (row.action, row.outcome, row.details["reason"]) == (
        "gateway.refused",
        "refused",
        "permission_denied",
    )
    assert not gateway_rows().filter(action="order.placed").exists()


def test_read_only_key_can_read(read_only: Signer, test_actions):
    assert read_only.post("get_test_read", ORDER).status_code == 200


def test_trade_key_can_trade(signer: Signer, test_actions):
    response = signer.post("do_test_trade", ORDER)
    assert response.status_code == 200
    assert body_of(response)["data"] == {"accepted": True, "amount": "0.5"}


def test_every_get_action_needs_read_and_every_action_declares_a_known_permission():
    for name, entry in PRIVATE.items():
        assert entry.permission in {"read", "trade", "funds_internal", "funds_wallet"}, name
        if name.startswith("get_"):
            assert entry.permission == "read", name
