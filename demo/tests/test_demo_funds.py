"""The demo seeder funds the demo trader once and leaves them ready to trade on "bot1"."""

from decimal import Decimal
from io import StringIO

import pytest

from demo import funds, market, users
from ledger.models import DepositAddress, JournalEntry
from ledger.tests.helpers import balance, currency_sums

pytestmark = pytest.mark.django_db


def test_the_demo_trader_is_funded_once_and_can_trade_on_bot1():
    market.seed(StringIO())
    funds.seed(StringIO())
    entries = JournalEntry.objects.count()
    funds.seed(StringIO())  # every `make run` seeds again: nothing more may move
    assert JournalEntry.objects.count() == entries
    demo = users.demo_user()
    assert balance(demo, None, "USD") == (Decimal("80000"), 0)
    assert balance(demo, "bot1", "BTC") == (Decimal("0.5"), 0)
    assert all(total == 0 for total in currency_sums().values())
    assert DepositAddress.objects.filter(currency_id="BTC", network="bitcoin").count() == 5
