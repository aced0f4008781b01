"""Admin pages show money by the one display rule: the currency's (or the pair's price) precision, fixed-point.
No `E-` exponent and no more decimals than the precision, on the list and change pages of pairs, fee schedules,
balances, orders and trades; titles name the pair's symbol."""

import io
import random
import re
from decimal import Decimal

import pytest

from activities.actor import Actor
from conditions.models import Currency, Pair
from fees.models import FeeSchedule
from ledger import services as ledger
from ledger.models import Balance
from trading.models import Order, Trade

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"(?<![\w.:-])-?\d+\.(\d+)(?![\w.:])")
MAX_PLACES = 8  # the largest precision among the demo currencies


@pytest.fixture
def market(user):  # type: ignore[no-untyped-def]
    from demo import market, market_maker

    market.seed(io.StringIO())
    market_maker.seed(io.StringIO())
    market_maker.run(
        iterations=1,
        interval=0,
        trade_probability=1.0,
        rng=random.Random(5),
        stdout=io.StringIO(),
        sleep=lambda _: None,
    )
    # The amounts that used to show as 1.0000E-8 / 0E-12: one satoshi, and a zero balance.
    ledger.wallet_credit(
        user=user, currency="BTC", amount=Decimal("0.00000001"), actor=Actor.system()
    )
    assert Trade.objects.exists()


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _assert_clean(html: str) -> None:
    text = _text(html)
    assert not re.search(r"\dE-\d", html), re.search(r".{40}\dE-\d.{20}", html)
    too_long = [m.group(0) for m in NUMBER.finditer(text) if len(m.group(1)) > MAX_PLACES]
    assert too_long == []
    assert "000000000000" not in text


def _pages(model, admin_client, pk):  # type: ignore[no-untyped-def]
    meta = model._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    listing = admin_client.get(base)
    change = admin_client.get(f"{base}{pk}/change/")
    assert listing.status_code == 200
    assert change.status_code == 200
    return listing.content.decode(), change.content.decode()


@pytest.mark.parametrize(
    "model", [Pair, FeeSchedule, Balance, Order, Trade], ids=lambda m: m.__name__
)
def test_list_and_change_pages_have_no_exponent_and_no_excess_decimals(admin_client, market, model):
    for row in model.objects.order_by("-pk")[:3]:
        listing, change = _pages(model, admin_client, row.pk)
        _assert_clean(listing)
        _assert_clean(change)


def test_a_usd_balance_shows_cents_and_a_satoshi_shows_eight_places(admin_client, market, user):
    satoshi = Balance.objects.get(account__user=user, currency_id="BTC")
    usd = Balance.objects.filter(currency_id="USD", total__gt=0).first()

    _, satoshi_page = _pages(Balance, admin_client, satoshi.pk)
    listing, usd_page = _pages(Balance, admin_client, usd.pk)

    assert "0.00000001" in _text(satoshi_page)
    cents = Decimal(usd.total).quantize(Decimal("0.01"))
    assert f"{cents}" in _text(usd_page)
    assert f"{cents}" in _text(listing)


def test_order_and_trade_titles_name_the_pair_symbol(admin_client, market):
    order = Order.objects.select_related("pair").first()
    trade = Trade.objects.select_related("pair").first()

    _, order_page = _pages(Order, admin_client, order.pk)
    _, trade_page = _pages(Trade, admin_client, trade.pk)

    assert f"order {order.pk} {order.side} {order.pair.symbol} {order.status}" in order_page
    assert f" {trade.pair.symbol} @ " in trade_page
    assert str(order) == f"order {order.pk} {order.side} {order.pair.symbol} {order.status}"


def test_pair_form_inputs_are_plain_decimals(admin_client, market):
    pair = Pair.objects.get(symbol="BTC-USD")

    _, change = _pages(Pair, admin_client, pair.pk)

    assert 'name="lot_size" value="0.00000001"' in change
    assert 'name="max_value" value="5000000"' in change
    assert Currency.objects.get(code="BTC").precision == 8
