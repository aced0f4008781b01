"""Strict input on both doors: numbers are ASCII digits only (`[0-9]+(\\.[0-9]+)?`), and text never carries NUL
or other control characters. Each refusal is a 4xx in the door's envelope, before anything is written."""

import time
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from activities.models import Activity, ActivityType
from conditions.tests.factories import PairFactory
from fees.tests.factories import FeeScheduleFactory
from gateway.tests.conftest import Signer, issue
from ledger.models import Account, JournalTransaction
from ledger.tests.helpers import balance
from tests.helpers import order_payload, two_sub_accounts
from trading.models import Order

pytestmark = pytest.mark.django_db

NOT_ASCII_NUMBERS = ["１", "١", "1\n", "1 ", " 1", "1\u00a0", "１.5", "1.５", "+1", "1_0"]
TRANSFER = {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD"}


@pytest.fixture
def funded(user):  # type: ignore[no-untyped-def]
    two_sub_accounts(user)
    return user


@pytest.fixture
def signer(funded) -> Signer:  # type: ignore[no-untyped-def]
    key, secret = issue(funded)
    return Signer(public_id=key.public_id, secret=secret)


@pytest.mark.parametrize("amount", NOT_ASCII_NUMBERS)
def test_gateway_transfer_with_a_non_ascii_amount_is_refused_and_moves_nothing(
    signer, funded, amount
):
    response = signer.post("do_my_internal_transfer", {**TRANSFER, "amount": amount})

    assert response.status_code == 422
    assert response.json()["error"] == "Parameter amount should be a number"
    assert balance(funded, "sub2", "USD") == (Decimal(0), 0)


@pytest.mark.parametrize(
    "changes",
    [{"price": "１０００"}, {"amountCcy1": "０.01"}, {"timestamp": "１" * 13}, {"price": "1000\n"}],
)
def test_gateway_order_with_non_ascii_digits_is_refused(signer, funded, changes):
    PairFactory()
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])

    response = signer.post("do_my_new_order", order_payload(**changes))

    assert response.status_code == 422
    assert not Order.objects.exists()


def test_gateway_timestamp_header_must_be_ascii_digits(signer):
    now = str(int(time.time()))
    fullwidth = now.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})

    assert signer.post("get_my_account_status_v3", {}, timestamp=fullwidth).status_code == 401


@pytest.mark.parametrize(
    ("action", "payload", "name"),
    [
        ("do_my_new_order", order_payload(clientOrderId="a\u0000b"), "clientOrderId"),
        ("do_my_new_order", order_payload(comment="x\u0007y"), "comment"),
        ("get_my_transaction_history", {"accountId": "a\u00001"}, "accountId"),
        (
            "do_my_internal_transfer",
            {**TRANSFER, "amount": "1", "clientTxId": "\u0000"},
            "clientTxId",
        ),
        ("get_my_orders", {"accountIds": ["sub1", "x\u001b"]}, "accountIds"),
    ],
)
def test_gateway_control_characters_are_a_422_naming_the_parameter(
    signer, funded, action, payload, name
):
    PairFactory()
    before = (Order.objects.count(), JournalTransaction.objects.count())

    response = signer.post(action, payload)

    assert response.status_code == 422
    assert response.json()["error"] == f"Parameter {name} should not contain control characters"
    assert (Order.objects.count(), JournalTransaction.objects.count()) == before
    refused = Activity.objects.get(action=ActivityType.GATEWAY_REFUSED)
    assert refused.details["reason"] == "invalid_params"


@pytest.fixture
def browser(funded) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(funded)
    return client


@pytest.mark.parametrize("amount", NOT_ASCII_NUMBERS)
def test_frontend_transfer_with_a_non_ascii_amount_is_a_400_field_error(browser, funded, amount):
    response = browser.post(
        reverse("ledger-transfer-internal"),
        {"from_account": "sub1", "to_account": "sub2", "currency": "USD", "amount": amount},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "amount" in response.json()["error"]["details"]
    assert balance(funded, "sub2", "USD") == (Decimal(0), 0)


def test_frontend_order_with_a_fullwidth_price_is_a_400_field_error(browser, funded):
    PairFactory()
    response = browser.post(
        reverse("trading-orders"),
        {
            "account": "sub1",
            "pair": "BTC-USD",
            "side": "BUY",
            "order_type": "Limit",
            "amount": "0.01",
            "price": "１０００",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "price" in response.json()["error"]["details"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("name", ["a\u0000b", "tab\there", "bell\u0007"])
def test_frontend_control_characters_are_a_400_field_error(browser, funded, name):
    accounts = Account.objects.count()

    response = browser.post(reverse("ledger-accounts"), {"name": name}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "name": ["Control characters (such as NUL) are not allowed."]
    }
    assert Account.objects.count() == accounts
