"""Crediting a wallet from the admin mints money: it needs `ledger.credit_wallet`, a reason and a fresh code
from the staff member's own authenticator, and leaves a row naming the staff member, the user and the amount."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import fresh_totp_code, staff_client
from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from ledger.errors import CreditReasonRequiredError
from ledger.models import JournalTransaction
from ledger.services import wallet_account, wallet_credit
from ledger.tests.helpers import balance

pytestmark = pytest.mark.django_db
URL = reverse("admin:ledger_account_changelist")


def credit(client, user, **fields):  # type: ignore[no-untyped-def]
    data = {
        "action": "credit_wallet",
        "_selected_action": [wallet_account(user).pk],
        "apply": "1",
        "currency": "USD",
        "amount": "75.5",
        "reason": "Bank deposit 2026-11-30 ref 8812",
        **fields,
    }
    return client.post(URL, data, follow=True)


def code_of(member) -> str:  # type: ignore[no-untyped-def]
    return fresh_totp_code(TOTPDevice.objects.get(user=member))


def test_a_clerk_with_the_permission_credits_and_is_named_in_the_row(user, currencies):
    clerk, client = staff_client("ledger.view_account", "ledger.credit_wallet")

    credit(client, user, code=code_of(clerk))

    assert balance(user, None, "USD") == (Decimal("75.5"), 0)
    row = Activity.objects.get(action=ActivityType.WALLET_CREDITED)
    assert row.user == user
    assert row.source == Source.ADMIN
    assert (row.details["by"], row.details["currency"], row.details["amount"]) == (
        clerk.email,
        "USD",
        "75.5",
    )
    assert row.details["note"] == "Bank deposit 2026-11-30 ref 8812"
    assert JournalTransaction.objects.get().description == "Bank deposit 2026-11-30 ref 8812"


def test_staff_without_the_permission_cannot_credit(user, currencies):
    clerk, client = staff_client("ledger.view_account", "ledger.change_account")

    credit(client, user, code=code_of(clerk))

    assert balance(user, None, "USD") == (0, 0)
    assert not JournalTransaction.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"code": "000000"}, {"code": ""}, {"reason": "   "}, {"amount": "NaN"}, {"amount": "-1"}],
)
def test_a_credit_without_a_valid_code_reason_or_amount_moves_nothing(user, currencies, fields):
    clerk, client = staff_client("ledger.view_account", "ledger.credit_wallet")
    fresh_totp_code(TOTPDevice.objects.get(user=clerk))

    response = credit(client, user, **{"code": "000000", **fields})

    assert response.status_code == 200
    assert balance(user, None, "USD") == (0, 0)
    assert not JournalTransaction.objects.exists()
    assert not Activity.objects.filter(action=ActivityType.WALLET_CREDITED).exists()


def test_a_wrong_code_is_recorded_for_the_staff_member(user, currencies):
    clerk, client = staff_client("ledger.view_account", "ledger.credit_wallet")
    fresh_totp_code(TOTPDevice.objects.get(user=clerk))

    credit(client, user, code="000000")

    row = Activity.objects.get(user=clerk, action=ActivityType.TWO_FACTOR_FAILED)
    assert row.details == {"purpose": "admin_credit"}


def test_the_service_refuses_a_staff_credit_without_a_reason(user, staff_user, currencies):
    with pytest.raises(CreditReasonRequiredError):
        wallet_credit(
            user=user,
            currency="USD",
            amount=Decimal("1"),
            by=staff_user,
            note=" ",
            actor=Actor.operator(),
        )

    assert not JournalTransaction.objects.exists()
