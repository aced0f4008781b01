"""Signed calls: get_deposit_address hands out pool addresses to sub-accounts only."""

import pytest

from ledger.models import DepositAddress
from ledger.services import deposit_addresses_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw(funded_user, signed_client):  # type: ignore[no-untyped-def]
    deposit_addresses_load(currency="BTC", network="bitcoin", addresses=[("bc1qpool1", "")])
    deposit_addresses_load(currency="USDT", network="tron", addresses=[("TPOOL", "memo7")])
    return signed_client(funded_user)


def test_a_null_blockchain_means_the_default_network_and_the_address_is_kept(gw):
    payload = {"accountId": "sub1", "currency": "BTC", "blockchain": None}
    expected = {
        "accountId": "sub1",
        "address": "bc1qpool1",
        "currency": "BTC",
        "blockchain": "bitcoin",
    }
    assert gw.data("get_deposit_address", payload) == expected
    assert gw.data("get_deposit_address", {**payload, "blockchain": "bitcoin"}) == expected


def test_a_memo_comes_with_the_address(gw):
    data = gw.data(
        "get_deposit_address", {"accountId": "sub1", "currency": "USDT", "blockchain": "tron"}
    )
    assert (data["address"], data["memo"]) == ("TPOOL", "memo7")


@pytest.mark.parametrize(
    ("payload", "status", "text"),
    [
        (
            {"accountId": "", "currency": "BTC"},
            403,
            "Get deposit address for main account is not allowed",
        ),
        ({"currency": "BTC"}, 422, "Mandatory parameter accountId is missing"),
        ({"accountId": "sub1", "currency": "XYZ"}, 422, "Unsupported currency XYZ"),
        (
            {"accountId": "sub1", "currency": "BTC", "blockchain": "tron"},
            422,
            "Blockchain is not supported.",
        ),
        (
            {"accountId": "sub1", "currency": "USDT", "blockchain": "ERC20"},
            409,
            "No deposit address",
        ),
        ({"accountId": "ghost", "currency": "BTC"}, 422, "Account ghost does not exist"),
    ],
)
def test_refusals_hand_out_nothing(gw, payload, status, text):
    got_status, message = gw.error("get_deposit_address", payload)
    assert got_status == status
    assert text in message
    assert not DepositAddress.objects.filter(account__isnull=False).exists()
