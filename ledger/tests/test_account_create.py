"""Sub-accounts: name rules, idempotency, the per-user limit (main included), activity rows."""

import pytest

from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from ledger.errors import AccountLimitError, InvalidAccountNameError, UnsupportedCurrencyError
from ledger.models import Account, AccountKind
from ledger.services import account_create

pytestmark = pytest.mark.django_db


def test_a_sub_account_is_created_and_recorded(user, currencies):
    result = account_create(
        user=user, name="bot_1-A", currency="BTC", actor=Actor(ip="10.0.0.1", source=Source.WEB)
    )
    assert result.created is True
    assert result.account.kind == AccountKind.SPOT
    assert result.account.name == "bot_1-A"
    row = Activity.objects.get(user=user, action=ActivityType.ACCOUNT_CREATED)
    assert row.details == {"account": "bot_1-A", "currency": "BTC"}
    assert row.ip == "10.0.0.1"


def test_asking_again_for_an_existing_name_creates_nothing(user, currencies):
    first = account_create(user=user, name="sub1", actor=Actor.system())
    again = account_create(user=user, name="sub1", actor=Actor.system())
    assert again.created is False
    assert again.account.pk == first.account.pk
    assert Account.objects.filter(user=user, kind=AccountKind.SPOT).count() == 1


def test_names_are_per_user(user, other_user, currencies):
    account_create(user=user, name="sub1", actor=Actor.system())
    assert account_create(user=other_user, name="sub1", actor=Actor.system()).created is True


@pytest.mark.parametrize(
    "name", ["", "with space", "dot.name", "a" * 256, "ünïcode", "slash/", "new\nline", "tail\n"]
)
def test_bad_names_are_refused(user, currencies, name):
    with pytest.raises(InvalidAccountNameError, match="A-Z"):
        account_create(user=user, name=name, actor=Actor.system())
    assert not Account.objects.filter(kind=AccountKind.SPOT).exists()


def test_the_longest_name_is_allowed(user, currencies):
    assert account_create(user=user, name="a" * 255, actor=Actor.system()).created


def test_an_unknown_currency_is_refused(user, currencies):
    with pytest.raises(UnsupportedCurrencyError, match="Unsupported currency XYZ"):
        account_create(user=user, name="sub1", currency="XYZ", actor=Actor.system())
    assert not Account.objects.filter(kind=AccountKind.SPOT).exists()


def test_the_limit_counts_the_main_account(user, currencies, settings):
    settings.LEDGER_MAX_ACCOUNTS_PER_USER = 3
    account_create(user=user, name="s1", actor=Actor.system())
    account_create(user=user, name="s2", actor=Actor.system())
    with pytest.raises(AccountLimitError, match="at most 3 accounts"):
        account_create(user=user, name="s3", actor=Actor.system())
    # An existing name is still answered at the limit.
    assert account_create(user=user, name="s2", actor=Actor.system()).created is False
    assert Account.objects.filter(user=user, kind=AccountKind.SPOT).count() == 2


def test_the_default_limit_is_five_including_main(user, currencies):
    for n in range(4):
        account_create(user=user, name=f"s{n}", actor=Actor.system())
    with pytest.raises(AccountLimitError):
        account_create(user=user, name="s4", actor=Actor.system())
