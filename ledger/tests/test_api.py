"""The frontend JSON API: session auth, thin views over the ledger services, errors in the common envelope."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ledger.models import Account, AccountKind
from ledger.services import deposit_addresses_load
from ledger.tests.helpers import balance, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(funded_user):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(funded_user)
    return client


def test_every_endpoint_needs_a_session(anon_client, currencies):
    for name in ["ledger-balances", "ledger-accounts", "ledger-transactions", "ledger-funding"]:
        assert anon_client.get(reverse(name)).status_code == 403
    assert (
        anon_client.post(reverse("ledger-transfer-internal"), {}, format="json").status_code == 403
    )


def test_transfers_need_the_csrf_token(funded_user, csrf_client):
    csrf_client.force_login(funded_user)
    response = csrf_client.post(reverse("ledger-transfer-internal"), {}, format="json")
    assert response.status_code == 403


def test_balances_show_the_wallet_and_every_account_with_each_currencys_precision(client_for):
    data = client_for.get(reverse("ledger-balances")).json()
    assert data["wallet"] == [
        {"currency": "BTC", "total": "2.00000000"},
        {"currency": "USD", "total": "900.00"},
    ]
    assert data["accounts"][0] == {"name": "", "balances": []}
    assert data["accounts"][1] == {
        "name": "sub1",
        "balances": [
            {"currency": "USD", "total": "100.00", "on_hold": "0.00", "available": "100.00"}
        ],
    }


def test_accounts_are_listed_and_created_idempotently(client_for, funded_user):
    names = [a["name"] for a in client_for.get(reverse("ledger-accounts")).json()]
    assert names == ["", "sub1", "sub2"]
    created = client_for.post(
        reverse("ledger-accounts"), {"name": "bot1", "currency": "BTC"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["name"] == "bot1"
    again = client_for.post(reverse("ledger-accounts"), {"name": "bot1"}, format="json")
    assert again.status_code == 200
    refused = client_for.post(reverse("ledger-accounts"), {"name": "bad name"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_account_name"
    assert Account.objects.filter(user=funded_user, kind=AccountKind.SPOT).count() == 4  # main + 3


def test_an_internal_transfer_through_the_api(client_for, funded_user):
    body = {
        "from_account": "sub1",
        "to_account": "sub2",
        "currency": "USD",
        "amount": "12.5",
        "client_tx_id": "ui-1",
    }
    response = client_for.post(reverse("ledger-transfer-internal"), body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["amount"], data["from_account"], data["replayed"]) == ("12.50", "sub1", False)
    assert balance(funded_user, "sub2", "USD") == (Decimal("12.5"), 0)
    again = client_for.post(reverse("ledger-transfer-internal"), body, format="json").json()
    assert again["replayed"] is True
    assert again["transaction_id"] == data["transaction_id"]


def test_wallet_transfers_through_the_api(client_for, funded_user):
    body = {"account": "sub2", "currency": "BTC", "amount": "0.25"}
    assert (
        client_for.post(reverse("ledger-transfer-from-wallet"), body, format="json").status_code
        == 200
    )
    assert (
        client_for.post(
            reverse("ledger-transfer-to-wallet"), {**body, "amount": "0.05"}, format="json"
        ).status_code
        == 200
    )
    assert balance(funded_user, "sub2", "BTC") == (Decimal("0.2"), 0)
    assert balance(funded_user, None, "BTC") == (Decimal("1.8"), 0)


@pytest.mark.parametrize(
    ("url", "body", "status", "code"),
    [
        (
            "ledger-transfer-internal",
            {"from_account": "sub1", "to_account": "sub2", "currency": "USD", "amount": "1000"},
            400,
            "insufficient_funds",
        ),
        (
            "ledger-transfer-internal",
            {"from_account": "sub1", "to_account": "sub2", "currency": "USD", "amount": "abc"},
            400,
            "invalid",
        ),
        (
            "ledger-transfer-internal",
            {"from_account": "sub1", "to_account": "sub2", "currency": "USD", "amount": "NaN"},
            400,
            "invalid",
        ),
        (
            "ledger-transfer-internal",
            {"from_account": "sub1", "to_account": "sub1", "currency": "USD", "amount": "1"},
            400,
            "same_account",
        ),
        (
            "ledger-transfer-from-wallet",
            {"account": "", "currency": "USD", "amount": "1"},
            400,
            "main_account_not_allowed",
        ),
        (
            "ledger-transfer-to-wallet",
            {"account": "ghost", "currency": "USD", "amount": "1"},
            404,
            "account_not_found",
        ),
        (
            "ledger-transfer-to-wallet",
            {"account": "sub1", "currency": "USD", "amount": "-1"},
            400,
            "amount_not_positive",
        ),
    ],
)
def test_refused_transfers_answer_with_the_error_envelope_and_move_nothing(
    client_for, url, body, status, code
):
    before = snapshot()
    response = client_for.post(reverse(url), body, format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert snapshot() == before


def test_transaction_history_with_filters_and_cursor_paging(client_for):
    client_for.post(
        reverse("ledger-transfer-internal"),
        {"from_account": "sub1", "to_account": "sub2", "currency": "USD", "amount": "1"},
        format="json",
    )
    everything = client_for.get(reverse("ledger-transactions")).json()
    assert len(everything["results"]) == 6  # 2 credits, deposit (2 legs), internal (2 legs)
    spot = client_for.get(
        reverse("ledger-transactions"), {"kind": "spot", "type": "internal_transfer"}
    ).json()
    assert [(r["account"], r["amount"]) for r in spot["results"]] == [
        ("sub2", "1.00"),
        ("sub1", "-1.00"),
    ]
    wallet = client_for.get(
        reverse("ledger-transactions"),
        {"kind": "wallet", "type": "external_credit,wallet_deposit", "currency": "USD"},
    ).json()
    assert [r["amount"] for r in wallet["results"]] == ["-100.00", "1000.00"]
    paged = client_for.get(reverse("ledger-transactions"), {"page_size": 2}).json()
    assert len(paged["results"]) == 2
    second = client_for.get(paged["next"]).json()
    assert second["results"][0]["id"] < paged["results"][-1]["id"]
    bad = client_for.get(reverse("ledger-transactions"), {"type": "nope"})
    assert bad.status_code == 400


def test_funding_history(client_for):
    rows = client_for.get(reverse("ledger-funding")).json()["results"]
    assert [(r["type"], r["direction"], r["account"], r["amount"]) for r in rows] == [
        ("wallet_deposit", "deposit", "sub1", "100.00"),
        ("external_credit", "deposit", None, "2.00000000"),
        ("external_credit", "deposit", None, "1000.00"),
    ]
    only = client_for.get(
        reverse("ledger-funding"), {"account": "sub1", "direction": "deposit"}
    ).json()
    assert len(only["results"]) == 1
    assert only["results"][0]["status"] == "approved"


def test_deposit_address_through_the_api(client_for, funded_user):
    deposit_addresses_load(currency="BTC", network="bitcoin", addresses=[("bc1qzzz", "")])
    response = client_for.post(
        reverse("ledger-deposit-address"), {"account": "sub1", "currency": "BTC"}, format="json"
    )
    assert response.json() == {
        "account": "sub1",
        "currency": "BTC",
        "blockchain": "bitcoin",
        "address": "bc1qzzz",
        "memo": "",
    }
    main = client_for.post(
        reverse("ledger-deposit-address"), {"account": "", "currency": "BTC"}, format="json"
    )
    assert main.status_code == 403


def test_the_openapi_schema_documents_the_ledger_endpoints(client_for):
    response = client_for.get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    for path in [
        "balances",
        "accounts",
        "transfers/internal",
        "transfers/from-wallet",
        "transfers/to-wallet",
        "transactions",
        "funding",
        "deposit-address",
    ]:
        assert f"/api/v1/ledger/{path}/" in paths
