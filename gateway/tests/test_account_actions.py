"""Signed calls: do_create_account, get_my_account_status_v3, get_my_wallet_balance."""

import pytest

from activities.models import Activity, ActivityType
from ledger.models import Account, AccountKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw(funded_user, signed_client):  # type: ignore[no-untyped-def]
    return signed_client(funded_user)


def test_do_create_account_creates_once_and_answers_the_name(gw, funded_user):
    assert gw.data("do_create_account", {"accountId": "bot7", "currency": "BTC"}) == {
        "accountId": "bot7"
    }
    # The same name again (another body, so not a replay) creates nothing.
    assert gw.data("do_create_account", {"currency": "BTC", "accountId": "bot7"}) == {
        "accountId": "bot7"
    }
    assert Account.objects.filter(user=funded_user, kind=AccountKind.SPOT, name="bot7").count() == 1
    rows = Activity.objects.filter(action=ActivityType.ACCOUNT_CREATED, source="gateway")
    assert rows.count() == 2
    assert rows.first().api_key == gw.public_id


@pytest.mark.parametrize(
    ("payload", "status", "text"),
    [
        ({"currency": "BTC"}, 422, "Mandatory parameter accountId is missing"),
        ({"accountId": "bad name", "currency": "BTC"}, 422, "A-Z, a-z, 0-9, _ and -"),
        ({"accountId": "x" * 256, "currency": "BTC"}, 422, "accountId"),
        ({"accountId": "ok", "currency": "XYZ"}, 422, "Unsupported currency XYZ"),
        ({"accountId": "ok"}, 422, "Mandatory parameter currency is missing"),
    ],
)
def test_do_create_account_refusals(gw, payload, status, text):
    got_status, message = gw.error("do_create_account", payload)
    assert got_status == status
    assert text in message


def test_do_create_account_limit(gw, settings):
    settings.LEDGER_MAX_ACCOUNTS_PER_USER = 3  # main, sub1, sub2 exist
    status, text = gw.error("do_create_account", {"accountId": "one-more", "currency": "USD"})
    assert status == 400
    assert "at most 3 accounts" in text


def test_account_status_v3_lists_every_account_with_totals_and_holds(gw):
    data = gw.data("get_my_account_status_v3")
    assert data["convertedCurrency"] == "USD"
    accounts = data["balancesPerAccounts"]
    assert set(accounts) == {"", "sub1", "sub2"}
    assert accounts["sub1"]["USD"] == {
        "balance": "100.00",
        "balanceOnHold": "0.00",
        "balanceInConvertedCurrency": "100.00",
    }
    assert accounts[""] == {}


def test_account_status_v3_filters(gw):
    data = gw.data(
        "get_my_account_status_v3", {"accountIds": ["sub1", "ghost"], "currencies": ["BTC"]}
    )
    assert data["balancesPerAccounts"] == {"sub1": {}}
    main_only = gw.data("get_my_account_status_v3", {"accountIds": [""]})
    assert main_only["balancesPerAccounts"] == {"": {}}
    assert set(gw.data("get_my_account_status_v3", {"accountIds": []})["balancesPerAccounts"]) == {
        "",
        "sub1",
        "sub2",
    }


@pytest.mark.parametrize(
    "payload",
    [{"accountIds": [1]}, {"accountIds": "sub1"}],
)
def test_account_status_v3_wrong_types(gw, payload):
    assert gw.error("get_my_account_status_v3", payload) == (
        422,
        "accountIds array should consist of string type values",
    )


def test_wallet_balance(gw):
    assert gw.data("get_my_wallet_balance") == {
        "BTC": {"balance": "2.00000000", "balanceOnHold": "0.00000000"},
        "USD": {"balance": "900.00", "balanceOnHold": "0.00"},
    }
