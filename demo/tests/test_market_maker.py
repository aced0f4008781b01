"""The demo market: seeding quotes every pair once; the market maker command moves prices and makes trades."""

import io
import random
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from activities.actor import Actor
from activities.models import Source
from conditions.models import Pair
from demo import market, market_maker
from ledger.models import Balance
from trading.models import OPEN, Order, PairState, Trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_market(db: None) -> None:
    market.seed(io.StringIO())


def test_seeding_quotes_every_pair_once(demo_market) -> None:  # type: ignore[no-untyped-def]
    market_maker.seed(io.StringIO())
    market_maker.seed(io.StringIO())  # idempotent
    pairs = Pair.objects.count()
    assert Order.objects.filter(OPEN, is_resting=True).count() == pairs * market_maker.LEVELS * 2
    for state in PairState.objects.select_related("pair"):
        assert state.best_bid is not None
        assert state.best_ask is not None
        assert state.best_bid < state.best_ask
    btc = PairState.objects.get(pair__symbol="BTC-USD")
    assert D("96000") < btc.best_bid < D("97250") < btc.best_ask < D("98500")


def test_the_command_moves_the_market_with_trades_and_keeps_money_whole(demo_market) -> None:  # type: ignore[no-untyped-def]
    market_maker.seed(io.StringIO())
    out = io.StringIO()
    trades = market_maker.run(
        iterations=2,
        interval=0,
        trade_probability=1.0,
        rng=random.Random(7),
        stdout=out,
        sleep=lambda _: None,
    )
    assert trades > 0
    assert Trade.objects.count() == trades
    assert "round 2" in out.getvalue()
    for currency in ("USD", "BTC", "ETH", "USDT"):
        assert sum(b.total for b in Balance.objects.filter(currency_id=currency)) == 0
    for state in PairState.objects.all():
        if state.best_bid is not None and state.best_ask is not None:
            assert state.best_bid < state.best_ask


def test_the_management_command_runs_bounded(demo_market) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("market_maker", iterations=1, interval=0, seed=1, stdout=out)
    assert "market maker stopped after" in out.getvalue()


def test_requoting_never_leaves_the_book_side_empty(demo_market) -> None:  # type: ignore[no-untyped-def]
    """New ladder first, old one out after: a far-away order never becomes the best bid, even briefly."""
    from accounts.tests.factories import UserFactory
    from ledger import services as ledger
    from trading.models import Candle
    from trading.services import order_place

    market_maker.seed(io.StringIO())
    pair = Pair.objects.get(symbol="BTC-USD")
    best_bid = PairState.objects.get(pair=pair).best_bid
    far = UserFactory()
    ledger.wallet_credit(
        user=far, currency="USD", amount=D("100000"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    ledger.account_create(user=far, name="far", actor=Actor.system())
    ledger.transfer_from_wallet(
        user=far, account="far", currency="USD", amount=D("100000"), actor=Actor.system()
    )
    far_price = (best_bid * D("0.8") / pair.tick_size).to_integral_value() * pair.tick_size
    far_order = order_place(
        user=far,
        account="far",
        pair="BTC-USD",
        side="BUY",
        order_type="Limit",
        amount=D("0.001"),
        price=far_price,
        actor=Actor.system(),
    )

    assert far_order.order.is_resting, far_order.order.reject_reason

    market_maker.quote(market_maker._user(market_maker.MAKER_EMAIL, "Market Maker"), pair, best_bid)

    lows = Candle.objects.filter(pair=pair).exclude(bid_low=None).values_list("bid_low", flat=True)
    assert min(lows) > far_price
    maker_open = Order.objects.filter(OPEN, user__email=market_maker.MAKER_EMAIL, pair=pair)
    assert maker_open.count() == market_maker.LEVELS * 2
