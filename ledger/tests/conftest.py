"""Ledger fixtures: a few currencies and networks, and a funded user."""

from decimal import Decimal

import pytest

from ledger import services
from ledger.tests.helpers import make_currencies


@pytest.fixture
def currencies(db: None) -> None:
    make_currencies()


@pytest.fixture
def funded_user(user, currencies):  # type: ignore[no-untyped-def]
    """`user` with 1000 USD and 2 BTC in the wallet and two sub-accounts, sub1 holding 100 USD."""
    services.wallet_credit(user=user, currency="USD", amount=Decimal("1000"))
    services.wallet_credit(user=user, currency="BTC", amount=Decimal("2"))
    services.account_create(user=user, name="sub1")
    services.account_create(user=user, name="sub2")
    services.transfer_from_wallet(user=user, account="sub1", currency="USD", amount=Decimal("100"))
    return user
