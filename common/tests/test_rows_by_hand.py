"""`common.models.select_rows` and `save_row`: the hot path's reads and writes, as the ORM would do them."""

from decimal import Decimal

import pytest

from activities.actor import Actor
from common.models import quoted_column, save_row, select_rows
from conditions.models import Pair
from conditions.tests.factories import PairFactory
from ledger.models import Balance
from ledger.services import wallet_credit
from trading.models import BookFeed, PairState

pytestmark = pytest.mark.django_db


def test_rows_come_back_as_the_orm_loads_them(user) -> None:  # type: ignore[no-untyped-def]
    PairFactory()
    wallet_credit(user=user, currency="USD", amount=Decimal("12.5"), actor=Actor.system())
    balance = Balance.objects.get(account__user=user, currency_id="USD")
    for model, row in ((Pair, Pair.objects.get()), (Balance, balance)):
        row.refresh_from_db()
        (found,) = select_rows(model, f"WHERE {quoted_column(model, 'id')} = %s", [row.pk])
        assert type(found) is model
        assert not found._state.adding
        for field in model._meta.concrete_fields:
            mine, theirs = getattr(found, field.attname), getattr(row, field.attname)
            # Decimals, aware datetimes and booleans decoded (SQLite keeps text and integers).
            assert (mine, type(mine)) == (theirs, type(theirs)), field.name


def test_clauses_filter_and_order_and_values_are_parameters(user) -> None:  # type: ignore[no-untyped-def]
    PairFactory(symbol="BTC-USD")
    PairFactory(symbol="ETH-USD", base__code="ETH")
    symbol = quoted_column(Pair, "symbol")
    found = select_rows(
        Pair, f"WHERE {symbol} IN (%s, %s) ORDER BY {symbol} DESC", ["BTC-USD", "ETH-USD"]
    )
    assert [pair.symbol for pair in found] == ["ETH-USD", "BTC-USD"]
    assert select_rows(Pair, f"WHERE {symbol} = %s", ["BTC-USD' OR '1'='1"]) == []


def test_save_row_updates_every_column_and_auto_now_fields(user) -> None:  # type: ignore[no-untyped-def]
    pair = PairFactory()
    state = PairState.objects.create(pair=pair)
    before = state.updated_at
    (state,) = select_rows(PairState, f"WHERE {quoted_column(PairState, 'pair')} = %s", [pair.pk])
    state.last_price, state.best_bid = Decimal("50000.1"), None
    save_row(state)
    stored = PairState.objects.get(pk=pair.pk)
    assert (stored.last_price, stored.best_bid) == (Decimal("50000.1"), None)
    assert stored.updated_at > before  # `auto_now`, as save() sets it


def test_save_row_inserts_a_new_row_and_writes_json(user) -> None:  # type: ignore[no-untyped-def]
    pair = PairFactory()
    feed = BookFeed(pair_id=pair.pk, seq=1, bids=[["50000", "0.1"]], asks=[])
    save_row(feed)  # new: inserted
    feed.seq, feed.asks = 2, [["50100", "0.2"]]
    save_row(feed)  # loaded now: updated
    stored = BookFeed.objects.get(pk=pair.pk)
    assert (stored.seq, stored.bids, stored.asks) == (2, [["50000", "0.1"]], [["50100", "0.2"]])
