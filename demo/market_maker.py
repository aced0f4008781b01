"""A live demo market: a market-maker user quotes a ladder of bids and asks on every pair around a reference
price, and a noise trader now and then takes some of it, so a new user sees a book, a ticker and candles, and
their own orders fill.

`seed(stdout)` (run by `make run` through seed_demo) creates both users once, funds their sub-accounts through
the ledger (wallet credit, then a wallet transfer, each done once) and quotes every pair that has no market-maker
orders yet. `run(...)` (the `market_maker` management command) keeps the market moving: each round the reference
price drifts a little (a random walk pulled back toward the currencies' USD rates), the ladder is re-quoted
around it, and with some probability the noise trader sends a small market order.
"""

import contextlib
import math
import random
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import TextIO

from django.core.management.base import OutputWrapper
from django.utils import timezone

from accounts.models import User, VerificationLevel
from accounts.services import user_create
from activities.actor import Actor
from activities.services import activity_prune
from common.errors import DomainError
from conditions.models import Currency, Pair, PairStatus
from ledger import services as ledger
from ledger.models import JournalTransaction, TransactionType
from trading.models import OPEN, Order, PairState, Side
from trading.services import order_cancel, order_place

MAKER_EMAIL = "marketmaker@example.com"
TAKER_EMAIL = "noisetrader@example.com"
ACCOUNT = "mm"
NOTE = "Market maker funds"
FUNDS_USD = Decimal("5000000")  # per currency, in USD
LEVELS = 5
LEVEL_STEP = Decimal("0.0008")  # 0.08 % between levels
LEVEL_USD = Decimal("800")  # the best level's size in USD; deeper levels are larger
DRIFT = 0.0015  # per round, relative
PULL = 0.02  # per round, back toward the USD-rate reference


def _user(email: str, name: str) -> User:
    return User.objects.filter(email=email).first() or user_create(
        email=email, password=None, full_name=name, verification_level=VerificationLevel.ADVANCED
    )


def _fund(user: User) -> None:
    credited = set(
        JournalTransaction.objects.filter(
            user=user, type=TransactionType.EXTERNAL_CREDIT, description=NOTE
        ).values_list("details__currency", flat=True)
    )
    moved = set(
        JournalTransaction.objects.filter(
            user=user, type=TransactionType.WALLET_DEPOSIT, client_tx_id__startswith="mm-seed-"
        ).values_list("client_tx_id", flat=True)
    )
    ledger.account_create(user=user, name=ACCOUNT, actor=Actor.system())
    for currency in Currency.objects.exclude(usd_rate=None).exclude(wallet_precision=None):
        places = min(currency.precision, currency.wallet_precision or 0)
        amount = (FUNDS_USD / currency.usd_rate).quantize(Decimal(1).scaleb(-places), ROUND_DOWN)
        if currency.code not in credited:
            ledger.wallet_credit(
                user=user, currency=currency.code, amount=amount, note=NOTE, actor=Actor.system()
            )
        if f"mm-seed-{currency.code}" not in moved:
            ledger.transfer_from_wallet(
                user=user,
                account=ACCOUNT,
                currency=currency.code,
                amount=amount,
                client_tx_id=f"mm-seed-{currency.code}",
                actor=Actor.system(),
            )


def fair_price(pair: Pair) -> Decimal | None:
    """The reference from the currencies' USD rates (ETH-BTC = ETH's rate / BTC's)."""
    if not pair.base.usd_rate or not pair.quote.usd_rate:
        return None
    return pair.base.usd_rate / pair.quote.usd_rate


def current_reference(pair: Pair) -> Decimal | None:
    """Where the market is now: the last trade, else the mid of the book, else the fair price."""
    state = PairState.objects.filter(pair=pair).first()
    if state and state.last_price:
        return state.last_price
    if state and state.best_bid and state.best_ask:
        return (state.best_bid + state.best_ask) / 2
    return fair_price(pair)


def _tick(value: Decimal, pair: Pair, rounding: str) -> Decimal:
    ticks = (value / pair.tick_size).to_integral_value(rounding=rounding)
    return min(max(ticks * pair.tick_size, pair.min_price), pair.max_price)


def _lot_amount(value_usd: Decimal, price: Decimal, pair: Pair) -> Decimal:
    usd_price = price * (pair.quote.usd_rate or Decimal(1))
    lots = (value_usd / usd_price / pair.lot_size).to_integral_value(rounding=ROUND_DOWN)
    amount = max(lots * pair.lot_size, pair.min_amount)
    minimum_value = pair.min_value / price
    while amount < minimum_value:
        amount += pair.lot_size * max(1, int((minimum_value - amount) / pair.lot_size))
    return min(amount, pair.max_amount)


def quote(maker: User, pair: Pair, reference: Decimal) -> int:
    """Replace the maker's ladder on `pair` around `reference`; returns how many new orders rest.

    The new ladder goes in before the old one comes out: cancelling first would leave the book empty for a
    moment, and best-bid/best-ask candles would record whatever else happened to rest then as the market.
    """
    old = list(
        Order.objects.filter(OPEN, user=maker, account__name=ACCOUNT, pair=pair).values_list(
            "id", flat=True
        )
    )
    placed = 0
    for level in range(LEVELS):
        offset = LEVEL_STEP * (level + 1)
        size = LEVEL_USD * (1 + Decimal(level) / 2)
        for side, price in (
            (Side.BUY, _tick(reference * (1 - offset), pair, ROUND_DOWN)),
            (Side.SELL, _tick(reference * (1 + offset), pair, ROUND_UP)),
        ):
            result = order_place(
                user=maker,
                account=ACCOUNT,
                pair=pair.symbol,
                side=side,
                order_type="Limit",
                amount=_lot_amount(size, price, pair),
                price=price,
                comment="demo market maker",
                actor=Actor.system(),
            )
            placed += result.order.is_resting
    for order_id in old:
        # Self-trade prevention may already have cancelled an old order the new ladder crossed.
        with contextlib.suppress(DomainError):
            order_cancel(user=maker, order_id=order_id, actor=Actor.system())
    return placed


def _pairs() -> list[Pair]:
    return list(
        Pair.objects.filter(status=PairStatus.TRADING).select_related(
            "base", "quote", "fee_currency"
        )
    )


def seed(stdout: TextIO) -> None:
    maker = _user(MAKER_EMAIL, "Demo Market Maker")
    taker = _user(TAKER_EMAIL, "Demo Noise Trader")
    _fund(maker)
    _fund(taker)
    quoted = already = 0
    for pair in _pairs():
        if Order.objects.filter(OPEN, user=maker, pair=pair).exists():
            already += 1
            continue
        reference = current_reference(pair)
        if reference is not None:
            quote(maker, pair, reference)
            quoted += 1
    # `make run` starts `manage.py market_maker` itself; say so rather than asking for a second one.
    stdout.write(
        f"market maker: {quoted} pairs quoted now, {already} already quoted ({LEVELS} levels a side); "
        "`make run` keeps the market moving in the background (MARKET_MAKER=0 leaves it out)"
    )


def step(reference: Decimal, fair: Decimal | None, rng: random.Random) -> Decimal:
    """One round of the reference's random walk, pulled back toward the fair price."""
    shock = Decimal(str(math.exp(rng.gauss(0, DRIFT))))
    moved = reference * shock
    if fair is not None:
        moved += (fair - moved) * Decimal(str(PULL))
    return moved


def run(
    *,
    iterations: int,
    interval: float,
    trade_probability: float,
    rng: random.Random,
    stdout: TextIO | OutputWrapper,
    sleep: Callable[[float], None] = time.sleep,
    activity_keep: timedelta | None = timedelta(hours=1),
) -> int:
    """Move the market for `iterations` rounds (0 = until interrupted). Returns the number of trades made.

    Its own activity rows (source=system, on the two demo users) older than `activity_keep` are pruned after
    every round, so a long-running demo does not grow the database without bound (None keeps them).
    """
    maker = _user(MAKER_EMAIL, "Demo Market Maker")
    taker = _user(TAKER_EMAIL, "Demo Noise Trader")
    _fund(maker)
    _fund(taker)
    references: dict[int, Decimal] = {}
    trades = 0
    done = 0
    while iterations == 0 or done < iterations:
        for pair in _pairs():
            current = references.get(pair.pk) or current_reference(pair)
            if current is None:
                continue
            references[pair.pk] = step(current, fair_price(pair), rng)
            quote(maker, pair, references[pair.pk])
            if rng.random() < trade_probability:
                size = LEVEL_USD * Decimal(str(rng.uniform(0.1, 1.2)))
                result = order_place(
                    user=taker,
                    account=ACCOUNT,
                    pair=pair.symbol,
                    side=rng.choice([Side.BUY, Side.SELL]),
                    order_type="Market",
                    amount=_lot_amount(size, references[pair.pk], pair),
                    actor=Actor.system(),
                )
                trades += len(result.trades)
        done += 1
        if activity_keep is not None:
            activity_prune(before=timezone.now() - activity_keep, user_ids=[maker.pk, taker.pk])
        stdout.write(f"round {done}: {len(references)} pairs quoted, {trades} trades so far")
        if iterations == 0 or done < iterations:
            sleep(interval)
    return trades
