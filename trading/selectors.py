"""Reads: orders, trades, and the market data (order book, ticker, candles). Nothing here writes."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from conditions.models import Pair
from trading.market import PERIODS, period_start
from trading.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Candle,
    Order,
    PairState,
    Resolution,
    Side,
    Trade,
)

ZERO = Decimal(0)

# Candle resolutions the protocol offers: seconds, and the stored resolution they are built from.
RESOLUTIONS: dict[str, tuple[int, str]] = {
    "1m": (60, Resolution.MINUTE),
    "5m": (300, Resolution.MINUTE),
    "15m": (900, Resolution.MINUTE),
    "30m": (1800, Resolution.MINUTE),
    "1h": (3600, Resolution.HOUR),
    "2h": (7200, Resolution.HOUR),
    "4h": (14400, Resolution.HOUR),
    "1d": (86400, Resolution.DAY),
}
DATA_TYPES = {"bestBid": "bid", "bestAsk": "ask"}
MAX_CANDLES = 1000


# --- orders and trades ------------------------------------------------------------------------------


def order_list(
    *,
    user: Any,
    archived: bool = False,
    pair: str | None = None,
    side: str | None = None,
    accounts: Sequence[str] | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    ascending: bool = False,
) -> QuerySet[Order]:
    """The user's open orders, or (`archived`) those in a final state, newest first unless `ascending`.

    `accounts` narrows to spot accounts by name (`""` = main); `created_from` is inclusive, `created_to`
    exclusive.
    """
    rows = Order.objects.filter(user=user, status__in=FINAL_STATUSES if archived else OPEN_STATUSES)
    if pair:
        rows = rows.filter(pair__symbol=pair.upper())
    if side:
        rows = rows.filter(side=side)
    if accounts:
        rows = rows.filter(account__name__in=list(accounts))
    if created_from is not None:
        rows = rows.filter(created_at__gte=created_from)
    if created_to is not None:
        rows = rows.filter(created_at__lt=created_to)
    order = ("created_at", "id") if ascending else ("-created_at", "-id")
    return rows.select_related("pair", "account", "user", "pair__base", "pair__quote").order_by(
        *order
    )


def order_list_by_client_id(*, user: Any, client_order_id: str) -> QuerySet[Order]:
    """Every order of the user that carried `client_order_id` (reuse after 24 h gives several), newest first."""
    rows = Order.objects.filter(user=user, client_order_id=client_order_id)
    return rows.select_related("pair", "account", "user", "pair__base", "pair__quote").order_by(
        "-created_at", "-id"
    )


def order_get(*, user: Any, order_id: int) -> Order | None:
    rows = Order.objects.filter(user=user, pk=order_id)
    return rows.select_related("pair", "account", "user", "pair__base", "pair__quote").first()


def trade_list(
    *,
    pair: Pair,
    side: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    from_id: int | None = None,
    to_id: int | None = None,
    limit: int = 100,
) -> list[Trade]:
    """A pair's public trades, oldest first. `side` is the taker's side. With a lower bound (`date_from`,
    `from_id`) the first `limit` trades from it; otherwise the most recent `limit` (up to `date_to`/`to_id`)."""
    rows = Trade.objects.filter(pair=pair)
    if side:
        rows = rows.filter(taker_side=side)
    if date_from is not None:
        rows = rows.filter(created_at__gte=date_from)
    if date_to is not None:
        rows = rows.filter(created_at__lt=date_to)
    if from_id is not None:
        rows = rows.filter(pk__gte=from_id)
    if to_id is not None:
        rows = rows.filter(pk__lte=to_id)
    if date_from is not None or from_id is not None:
        return list(rows.order_by("created_at", "id")[:limit])
    return list(reversed(rows.order_by("-created_at", "-id")[:limit]))


def my_trade_list(*, user: Any, pair: str | None = None) -> QuerySet[Trade]:
    """Trades where the user was maker or taker, newest first."""
    rows = Trade.objects.filter(Q(maker_user=user) | Q(taker_user=user))
    if pair:
        rows = rows.filter(pair__symbol=pair.upper())
    return rows.select_related("pair", "maker_order", "taker_order").order_by("-created_at", "-id")


# --- order book -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderBook:
    pair: Pair
    at: datetime
    bids: list[tuple[Decimal, Decimal]]  # (price, amount), best first
    asks: list[tuple[Decimal, Decimal]]


def order_book(*, pair: Pair, at: datetime, depth: int | None = None) -> OrderBook:
    """The resting orders aggregated by price level, best first on each side."""
    levels: dict[str, dict[Decimal, Decimal]] = {
        Side.BUY: defaultdict(Decimal),
        Side.SELL: defaultdict(Decimal),
    }
    rows = Order.objects.filter(pair=pair, is_resting=True).values_list(
        "side", "price", "remaining"
    )
    for side, price, remaining in rows:
        assert price is not None  # resting orders are limit orders
        levels[side][price] += remaining
    bids = sorted(levels[Side.BUY].items(), key=lambda level: level[0], reverse=True)
    asks = sorted(levels[Side.SELL].items(), key=lambda level: level[0])
    if depth is not None:
        bids, asks = bids[:depth], asks[:depth]
    return OrderBook(pair=pair, at=at, bids=bids, asks=asks)


# --- ticker -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ticker:
    pair: Pair
    best_bid: Decimal | None
    best_ask: Decimal | None
    best_bid_change: Decimal | None
    best_ask_change: Decimal | None
    low: Decimal | None
    high: Decimal | None
    volume: Decimal
    quote_volume: Decimal
    volume_30d: Decimal
    last: Decimal | None
    last_trade_price: Decimal | None
    last_trade_volume: Decimal | None
    last_trade_at: datetime | None
    price_change: Decimal | None
    open_price: Decimal | None
    volume_usd: Decimal


def _first(values: Iterable[Decimal | None]) -> Decimal | None:
    return next((value for value in values if value is not None), None)


def tickers(*, pairs: Sequence[Pair], at: datetime) -> list[Ticker]:
    """24-hour figures per pair from the hourly candles (the current hour and the 23 before it), the
    30-day volume from the daily ones, best bid/ask and the last trade from the live state. Three queries."""
    ids = [pair.pk for pair in pairs]
    states = {state.pair_id: state for state in PairState.objects.filter(pair_id__in=ids)}
    hour = PERIODS[Resolution.HOUR](at)
    day = PERIODS[Resolution.DAY](at)
    hourly: dict[int, list[Candle]] = defaultdict(list)
    for row in Candle.objects.filter(
        pair_id__in=ids, resolution=Resolution.HOUR, start__gt=hour - timedelta(hours=24)
    ).order_by("start"):
        hourly[row.pair_id].append(row)
    monthly: dict[int, Decimal] = defaultdict(Decimal)
    for pair_id, volume in Candle.objects.filter(
        pair_id__in=ids, resolution=Resolution.DAY, start__gt=day - timedelta(days=30)
    ).values_list("pair_id", "volume"):
        monthly[pair_id] += volume
    result = []
    for pair in pairs:
        state = states.get(pair.pk) or PairState(pair_id=pair.pk)
        rows = hourly.get(pair.pk, [])
        highs = [row.trade_high for row in rows if row.trade_high is not None]
        lows = [row.trade_low for row in rows if row.trade_low is not None]
        volume = sum((row.volume for row in rows), ZERO)
        quote_volume = sum((row.quote_volume for row in rows), ZERO)
        open_price = _first(row.trade_open for row in rows)
        bid_then = _first(row.bid_open for row in rows)
        ask_then = _first(row.ask_open for row in rows)
        mid = (
            (state.best_bid + state.best_ask) / 2
            if state.best_bid is not None and state.best_ask is not None
            else None
        )
        last = state.last_price if state.last_price is not None else mid
        usd_rate = pair.quote.usd_rate or ZERO
        result.append(
            Ticker(
                pair=pair,
                best_bid=state.best_bid,
                best_ask=state.best_ask,
                best_bid_change=None
                if state.best_bid is None or bid_then is None
                else state.best_bid - bid_then,
                best_ask_change=None
                if state.best_ask is None or ask_then is None
                else state.best_ask - ask_then,
                low=min(lows) if lows else None,
                high=max(highs) if highs else None,
                volume=volume,
                quote_volume=quote_volume,
                volume_30d=monthly.get(pair.pk, ZERO),
                last=last,
                last_trade_price=state.last_price,
                last_trade_volume=state.last_amount,
                last_trade_at=state.last_trade_at,
                price_change=None
                if open_price is None or state.last_price is None
                else state.last_price - open_price,
                open_price=open_price,
                volume_usd=quote_volume * usd_rate,
            )
        )
    return result


# --- candles ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandleRow:
    """One period. `open` is None for a period with no data at all (nothing known before or in it)."""

    start: datetime
    resolution: str
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    close: Decimal | None
    volume: Decimal
    is_closed: bool


def candle_range(
    *,
    resolution: str,
    at: datetime,
    start: datetime | None,
    end: datetime | None,
    limit: int | None,
) -> tuple[datetime, int]:
    """The first period's start and how many periods: from/to, from+limit, to+limit, or the last `limit`
    periods up to now. Never beyond the current period, never more than `MAX_CANDLES`."""
    seconds = RESOLUTIONS[resolution][0]
    step = timedelta(seconds=seconds)
    current = period_start(seconds, at)
    if start is not None and end is not None:
        first = period_start(seconds, start)
        last = period_start(seconds, end - timedelta(microseconds=1))
    elif start is not None:
        first = period_start(seconds, start)
        last = first + step * ((limit or MAX_CANDLES) - 1)
    else:
        last = period_start(seconds, end or at)
        first = last - step * ((limit or 100) - 1)
    last = min(last, current)
    count = int((last - first) / step) + 1 if last >= first else 0
    if count > MAX_CANDLES:
        first = last - step * (MAX_CANDLES - 1)
        count = MAX_CANDLES
    return first, count


def candles(
    *,
    pair: Pair,
    resolution: str,
    data_type: str,
    at: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[CandleRow]:
    """OHLC of the best bid or best ask (`data_type` "bestBid"/"bestAsk") per period, with the traded base
    volume, oldest first. A period without changes repeats the value in force (the previous close); a period
    before anything was known has no values."""
    seconds, source = RESOLUTIONS[resolution]
    prefix = DATA_TYPES[data_type]
    step = timedelta(seconds=seconds)
    first, count = candle_range(resolution=resolution, at=at, start=start, end=end, limit=limit)
    if count == 0:
        return []
    stop = first + step * count
    rows = list(
        Candle.objects.filter(
            pair=pair, resolution=source, start__gte=first, start__lt=stop
        ).order_by("start")
    )
    before = (
        Candle.objects.filter(pair=pair, resolution=source, start__lt=first)
        .order_by("-start")
        .first()
    )
    carry = getattr(before, f"{prefix}_close") if before else None
    out: list[CandleRow] = []
    index = 0
    for n in range(count):
        period = first + step * n
        period_end = period + step
        in_period = []
        while index < len(rows) and rows[index].start < period_end:
            in_period.append(rows[index])
            index += 1
        closed = period_end <= at
        if not in_period:
            out.append(CandleRow(period, resolution, carry, carry, carry, carry, ZERO, closed))
            continue
        opens = [getattr(row, f"{prefix}_open") for row in in_period]
        highs = [getattr(row, f"{prefix}_high") for row in in_period]
        lows = [getattr(row, f"{prefix}_low") for row in in_period]
        closes = [getattr(row, f"{prefix}_close") for row in in_period]
        known = [value for value in (*opens, *highs, *lows, *closes) if value is not None]
        volume = sum((row.volume for row in in_period), ZERO)
        if not known:
            out.append(CandleRow(period, resolution, None, None, None, None, volume, closed))
            carry = None
            continue
        open_ = _first([opens[0], *closes])
        close = _first(reversed(closes)) if closes[-1] is None else closes[-1]
        out.append(
            CandleRow(
                period,
                resolution,
                open_,
                max(value for value in (*highs, *closes) if value is not None),
                min(value for value in (*lows, *closes) if value is not None),
                close,
                volume,
                closed,
            )
        )
        carry = closes[-1]
    return out
