"""Verification levels on transfers: the service refuses, so both doors (frontend API, signed gateway) do, naming
the level needed; nothing moves."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.levels import verification_level_set
from activities.actor import Actor
from activities.models import Activity, ActivityType
from ledger.tests.helpers import balance, snapshot

pytestmark = pytest.mark.django_db

INTERNAL = {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD", "amount": "5"}
TO_WALLET = {"clientTxId": "w-1", "accountId": "sub1", "currency": "USD", "amount": "5"}


@pytest.fixture
def at_level(funded_user):  # type: ignore[no-untyped-def]
    def set_level(level: str):  # type: ignore[no-untyped-def]
        return verification_level_set(
            user=funded_user, level=level, actor=Actor.system(), reason="test"
        )

    return set_level


@pytest.fixture
def web(funded_user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(funded_user)
    return client


def test_basic_may_move_between_sub_accounts_but_not_to_or_from_the_wallet(
    at_level, web, funded_user
):
    at_level("basic")
    before = balance(funded_user, "sub1", "USD")

    refused = web.post(
        "/api/v1/ledger/transfers/to-wallet/",
        {"account": "sub1", "currency": "USD", "amount": "5", "client_tx_id": "w-1"},
        format="json",
    )

    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "verification_required"
    assert error["details"] == {
        "capability": "transfer_wallet",
        "required_level": "verified",
        "current_level": "basic",
    }
    assert "Verified" in error["message"]
    assert balance(funded_user, "sub1", "USD") == before
    moved = web.post(
        "/api/v1/ledger/transfers/internal/",
        {"from_account": "sub1", "to_account": "sub2", "currency": "USD", "amount": "5"},
        format="json",
    )
    assert moved.status_code in (200, 201), moved.json()


def test_the_gateway_refuses_a_wallet_transfer_below_the_level_and_names_it(
    at_level, funded_user, signed_client
):
    gw = signed_client(funded_user)
    at_level("basic")
    before = snapshot()

    status, text = gw.error("do_withdrawal_funds_to_wallet", TO_WALLET)

    assert status == 403
    assert "needs verification level" in text
    assert "(verified)" in text
    assert snapshot() == before
    row = Activity.objects.get(action=ActivityType.GATEWAY_REFUSED)
    assert row.details["reason"] == "verification_required"


def test_level_none_may_not_even_move_between_sub_accounts(at_level, funded_user, signed_client):
    gw = signed_client(funded_user)
    at_level("none")
    before = snapshot()

    status, text = gw.error("do_my_internal_transfer", INTERNAL)

    assert status == 403
    assert "(basic)" in text
    assert snapshot() == before


def test_limits_are_configurable(at_level, funded_user, settings, signed_client):
    settings.VERIFICATION_LEVEL_REQUIRED = {
        **settings.VERIFICATION_LEVEL_REQUIRED,
        "transfer_wallet": "basic",
    }
    gw = signed_client(funded_user)
    at_level("basic")

    gw.data("do_withdrawal_funds_to_wallet", TO_WALLET)

    assert balance(funded_user, "sub1", "USD") == (Decimal("95"), 0)


def test_the_kyc_hook_records_the_change(at_level, funded_user):
    at_level("basic")
    at_level("basic")  # no change, no row

    row = Activity.objects.get(action=ActivityType.LEVEL_CHANGED)
    assert row.details == {"old": "verified", "new": "basic", "reason": "test"}
    assert row.source == "system"
