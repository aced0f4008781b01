"""Money from outside: the service, the `credit_wallet` command and the admin action all go through the
journal and leave an activity row."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import fresh_totp_code, otp_login
from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from ledger.errors import AmountNotPositiveError, AmountPrecisionError, UnsupportedCurrencyError
from ledger.models import Account, AccountKind, JournalTransaction, TransactionType
from ledger.services import wallet_account, wallet_credit
from ledger.tests.helpers import balance, currency_sums, snapshot

pytestmark = pytest.mark.django_db


def test_a_credit_enters_the_wallet_from_the_external_account(user, staff_user, currencies):
    journal_tx = wallet_credit(
        user=user,
        currency="BTC",
        amount=Decimal("1.5"),
        by=staff_user,
        note="bank wire 42",
        actor=Actor(ip="10.0.0.9", source=Source.ADMIN),
    )
    assert balance(user, None, "BTC") == (Decimal("1.5"), 0)
    assert journal_tx.type == TransactionType.EXTERNAL_CREDIT
    external = Account.objects.get(kind=AccountKind.SYSTEM, name="external")
    assert external.balances.get(currency_id="BTC").total == Decimal("-1.5")
    assert currency_sums() == {"BTC": Decimal(0)}
    row = Activity.objects.get(user=user, action=ActivityType.WALLET_CREDITED)
    assert row.details["by"] == "staff@example.com"
    assert row.details["amount"] == "1.5"
    assert row.details["note"] == "bank wire 42"
    assert row.source == "admin"


@pytest.mark.parametrize(
    ("currency", "amount", "error"),
    [
        ("XYZ", "1", UnsupportedCurrencyError),
        ("USD", "0", AmountNotPositiveError),
        ("USD", "-3", AmountNotPositiveError),
        ("USD", "0.001", AmountPrecisionError),
    ],
)
def test_bad_credits_are_refused_and_move_nothing(user, currencies, currency, amount, error):
    wallet_account(user)
    before = snapshot()
    with pytest.raises(error):
        wallet_credit(
            user=user,
            currency=currency,
            amount=Decimal(amount),
            actor=Actor(ip=None, source=Source.ADMIN),
        )
    assert snapshot() == before


def test_the_command_credits_a_wallet(user, currencies):
    out = StringIO()
    call_command(
        "credit_wallet", "TRADER@example.com", "usd", "250.50", "--note", "test", stdout=out
    )
    assert "credited 250.50 USD" in out.getvalue()
    assert balance(user, None, "USD") == (Decimal("250.50"), 0)
    assert Activity.objects.get(action=ActivityType.WALLET_CREDITED).source == "operator"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "USD", "1"], "no user"),
        (["trader@example.com", "USD", "lots"], "not a decimal"),
        (["trader@example.com", "XYZ", "1"], "Unsupported currency XYZ"),
    ],
)
def test_the_command_refuses_bad_input(user, currencies, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("credit_wallet", *args, stdout=StringIO())
    assert not JournalTransaction.objects.exists()


def staff_code(staff_user) -> str:  # type: ignore[no-untyped-def]
    return fresh_totp_code(TOTPDevice.objects.get(user=staff_user))


def test_the_admin_action_credits_the_selected_users_wallets(client, user, staff_user, currencies):
    otp_login(client, staff_user)
    wallet = wallet_account(user)
    url = reverse("admin:ledger_account_changelist")
    form = client.post(url, {"action": "credit_wallet", "_selected_action": [wallet.pk]})
    assert form.status_code == 200
    assert b"trader@example.com" in form.content
    done = client.post(
        url,
        {
            "action": "credit_wallet",
            "_selected_action": [wallet.pk],
            "apply": "1",
            "currency": "USD",
            "amount": "75",
            "reason": "promo",
            "code": staff_code(staff_user),
        },
    )
    assert done.status_code == 302
    assert balance(user, None, "USD") == (Decimal("75"), 0)
    assert (
        Activity.objects.get(action=ActivityType.WALLET_CREDITED).details["by"]
        == "staff@example.com"
    )


def test_the_admin_action_reports_a_refusal(client, user, staff_user, currencies):
    otp_login(client, staff_user)
    wallet = wallet_account(user)
    response = client.post(
        reverse("admin:ledger_account_changelist"),
        {
            "action": "credit_wallet",
            "_selected_action": [wallet.pk],
            "apply": "1",
            "currency": "XYZ",
            "amount": "1",
            "reason": "test",
            "code": staff_code(staff_user),
        },
        follow=True,
    )
    assert b"Unsupported currency XYZ" in response.content
    assert not JournalTransaction.objects.exists()


def test_ledger_admin_pages_render_read_only(client, funded_user, staff_user):
    otp_login(client, staff_user)
    for name in ["account", "balance", "journaltransaction", "journalentry", "depositaddress"]:
        assert client.get(reverse(f"admin:ledger_{name}_changelist")).status_code == 200
    journal_tx = JournalTransaction.objects.first()
    page = client.get(reverse("admin:ledger_journaltransaction_change", args=[journal_tx.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:ledger_journaltransaction_add")).status_code == 403
