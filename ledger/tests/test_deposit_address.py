"""Deposit addresses come from a pool per currency and network; an account keeps the one it was given."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.tests.factories import otp_login
from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from ledger import errors
from ledger.models import DepositAddress
from ledger.services import account_create, deposit_address_get, deposit_addresses_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(user, currencies):  # type: ignore[no-untyped-def]
    account_create(user=user, name="sub1", actor=Actor.system())
    account_create(user=user, name="sub2", actor=Actor.system())
    deposit_addresses_load(
        currency="BTC", network="bitcoin", addresses=[("bc1qaaa", ""), ("bc1qbbb", "")]
    )
    deposit_addresses_load(currency="USDT", network="tron", addresses=[("TXYZ1", "")])


def test_an_account_is_given_the_next_free_address_and_keeps_it(user, pool):
    first = deposit_address_get(
        user=user,
        account="sub1",
        currency="BTC",
        blockchain="bitcoin",
        actor=Actor(ip="10.0.0.2", source=Source.WEB),
    )
    again = deposit_address_get(
        user=user, account="sub1", currency="BTC", blockchain=None, actor=Actor.system()
    )
    assert first.address == "bc1qaaa"
    assert again.pk == first.pk
    assert first.account.name == "sub1"
    assert first.assigned_at is not None
    rows = Activity.objects.filter(action=ActivityType.DEPOSIT_ADDRESS_ISSUED)
    assert [row.details for row in rows] == [
        {"account": "sub1", "currency": "BTC", "blockchain": "bitcoin"}
    ]


def test_each_account_gets_its_own_address(user, pool):
    a = deposit_address_get(user=user, account="sub1", currency="BTC", actor=Actor.system())
    b = deposit_address_get(user=user, account="sub2", currency="BTC", actor=Actor.system())
    assert a.address != b.address


def test_a_missing_blockchain_means_the_default_network(user, pool):
    deposit_addresses_load(currency="USDT", network="ERC20", addresses=[("0xabc", "")])
    assert (
        deposit_address_get(
            user=user, account="sub1", currency="USDT", actor=Actor.system()
        ).network
        == "ERC20"
    )
    assert (
        deposit_address_get(
            user=user, account="sub1", currency="USDT", blockchain="tron", actor=Actor.system()
        ).address
        == "TXYZ1"
    )


@pytest.mark.parametrize(
    ("params", "error", "text"),
    [
        (
            {"account": ""},
            errors.MainAccountDepositAddressError,
            "Get deposit address for main account is not allowed",
        ),
        ({"account": "nope"}, errors.AccountNotFoundError, "does not exist"),
        ({"currency": "XYZ"}, errors.UnsupportedCurrencyError, "Unsupported currency XYZ"),
        (
            {"blockchain": "solana"},
            errors.BlockchainNotSupportedError,
            "Blockchain is not supported.",
        ),
        ({"currency": "USD"}, errors.BlockchainNotSupportedError, "Blockchain is not supported."),
        (
            {"currency": "USDT", "blockchain": "ERC20"},
            errors.DepositAddressUnavailableError,
            "No deposit address is available for USDT on ERC20",
        ),
    ],
)
def test_refusals_hand_out_nothing(user, pool, params, error, text):
    with pytest.raises(error, match=text):
        deposit_address_get(
            user=user, actor=Actor.system(), **{"account": "sub1", "currency": "BTC", **params}
        )
    assert not DepositAddress.objects.filter(account__isnull=False).exists()


def test_an_empty_pool_says_so(user, pool):
    deposit_address_get(
        user=user, account="sub1", currency="USDT", blockchain="tron", actor=Actor.system()
    )
    with pytest.raises(errors.DepositAddressUnavailableError):
        deposit_address_get(
            user=user, account="sub2", currency="USDT", blockchain="tron", actor=Actor.system()
        )


def test_loading_skips_addresses_already_in_the_pool(pool):
    added = deposit_addresses_load(
        currency="BTC", network="bitcoin", addresses=[("bc1qaaa", ""), ("bc1qccc", ""), (" ", "")]
    )
    assert added == 1
    assert DepositAddress.objects.filter(currency_id="BTC").count() == 3


def test_the_command_loads_a_file(tmp_path, currencies):
    path = tmp_path / "addresses.txt"
    path.write_text("# comment\nTAAA\nTBBB memo1\n\n")
    out = StringIO()
    call_command("load_deposit_addresses", "usdt", "tron", str(path), stdout=out)
    assert "added 2 of 2" in out.getvalue()
    assert DepositAddress.objects.get(address="TBBB").memo == "memo1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["BTC", "solana"], "Blockchain is not supported."),
        (["XYZ", "bitcoin"], "Unsupported currency"),
    ],
)
def test_the_command_refuses_unknown_currencies_and_networks(tmp_path, currencies, args, message):
    path = tmp_path / "a.txt"
    path.write_text("addr\n")
    with pytest.raises(CommandError, match=message):
        call_command("load_deposit_addresses", *args, str(path), stdout=StringIO())


def test_the_command_refuses_a_missing_file(currencies):
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "load_deposit_addresses", "BTC", "bitcoin", "/nonexistent/file", stdout=StringIO()
        )


def test_the_admin_loads_addresses_in_bulk(client, staff_user, currencies):
    otp_login(client, staff_user)
    url = reverse("admin:ledger_depositaddress_load")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"currency": "BTC", "network": "bitcoin", "addresses": "bc1q1\nbc1q2 m\n"}
    )
    assert response.status_code == 302
    assert DepositAddress.objects.count() == 2
    refused = client.post(url, {"currency": "BTC", "network": "solana", "addresses": "x"})
    assert b"Blockchain is not supported." in refused.content
    assert DepositAddress.objects.count() == 2
