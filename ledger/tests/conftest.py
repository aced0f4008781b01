"""Ledger fixtures: a few currencies and networks, and a funded user."""

from decimal import Decimal

import pytest

from activities.actor import Actor
from activities.models import Source
from ledger import services
from ledger.tests.helpers import make_currencies


@pytest.fixture
def currencies(db: None) -> None:
    make_currencies()


@pytest.fixture
def funded_user(user, currencies):  # type: ignore[no-untyped-def]
    """`user` with 1000 USD and 2 BTC in the wallet and two sub-accounts, sub1 holding 100 USD."""
    services.wallet_credit(
        user=user, currency="USD", amount=Decimal("1000"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    services.wallet_credit(
        user=user, currency="BTC", amount=Decimal("2"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    services.account_create(user=user, name="sub1", actor=Actor.system())
    services.account_create(user=user, name="sub2", actor=Actor.system())
    services.transfer_from_wallet(
        user=user, account="sub1", currency="USD", amount=Decimal("100"), actor=Actor.system()
    )
    return user
