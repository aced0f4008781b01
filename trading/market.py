"""Market data, written by the matcher once per batch: the pair's state row (best bid and ask, last trade),
the candles, and the traders' 30-day volumes. `selectors` reads them; `trading.persistence` feeds them.

A batch's commands are folded one by one, in their order and each at its own time, exactly as if each had been
written alone: a candle's high and low see every top of book a command left, not only the batch's last.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from common.models import concrete_field, save_row
from conditions.models import Pair
from fees.services import volume_record_fills
from trading.models import Candle, PairState, Resolution, Trade

ZERO = Decimal(0)
Tops = tuple[Decimal | None, Decimal | None]  # best bid, best ask


def pair_state(pair: Pair) -> PairState:
    """The pair's state row, read after the pair's lock was taken (so it is current), created on first use."""
    state = PairState.objects.filter(pair_id=pair.pk).first()
    if state is None:
        state = PairState.objects.create(pair_id=pair.pk)
    return state


PERIODS = {
    Resolution.MINUTE: lambda at: at.replace(second=0, microsecond=0),
    Resolution.HOUR: lambda at: at.replace(minute=0, second=0, microsecond=0),
    Resolution.DAY: lambda at: at.replace(hour=0, minute=0, second=0, microsecond=0),
}


def _hi(current: Decimal | None, *values: Decimal | None) -> Decimal | None:
    present = [value for value in (current, *values) if value is not None]
    return max(present) if present else None


def _lo(current: Decimal | None, *values: Decimal | None) -> Decimal | None:
    present = [value for value in (current, *values) if value is not None]
    return min(present) if present else None


@dataclass(slots=True)
class _Step:
    at: datetime
    old: Tops
    new: Tops
    trades: list[Trade]


@dataclass(slots=True)
class Market:
    """One pair's market data through one batch: `after` each command, `write` once before commit."""

    pair: Pair
    state: PairState
    candles: dict[tuple[str, datetime], Candle] = field(
        default_factory=dict
    )  # the last periods written
    steps: list[_Step] = field(default_factory=list)
    volumes: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def after(self, at: datetime, tops: Tops, trades: list[Trade]) -> None:
        """A command left the book's top at `tops` and made `trades` (in order)."""
        state = self.state
        old = (state.best_bid, state.best_ask)
        if tops == old and not trades:
            return
        self.steps.append(_Step(at, old, tops, trades))
        state.best_bid, state.best_ask = tops
        if trades:
            state.last_price = trades[-1].price
            state.last_amount = trades[-1].amount
            state.last_trade_at = at
            usd_rate = self.pair.quote.usd_rate
            if usd_rate:
                for trade in trades:
                    usd = trade.quote_amount * usd_rate
                    self.volumes[trade.maker_user_id] += usd
                    self.volumes[trade.taker_user_id] += usd

    def write(self) -> None:
        """The state row, the candles every command touched, and the volumes (see `fees`)."""
        if not self.steps:
            return
        save_row(self.state)
        self.candles = _candles_fold(self.pair, self.steps, self.candles)
        if self.volumes:
            # One call for every trader of the batch: it locks their buckets in ascending user id (one order in
            # every transaction, so two pairs that share traders cannot deadlock on them).
            volume_record_fills(volumes=self.volumes, at=self.steps[-1].at)
        self.steps.clear()
        self.volumes.clear()


def _candles_fold(
    pair: Pair, steps: list[_Step], known: dict[tuple[str, datetime], Candle]
) -> dict[tuple[str, datetime], Candle]:
    """Fold each step into the candles of its periods: the rows are read in one query (unless `known` holds
    them all: the rows this pair's one writer wrote last), changed in memory, then new ones inserted in one
    statement and the others updated in one. Returns the rows of the periods the steps touched."""
    keys = {
        (resolution, period(step.at)) for step in steps for resolution, period in PERIODS.items()
    }
    rows: dict[tuple[str, datetime], Candle]
    if keys <= known.keys():
        rows = {key: known[key] for key in keys}
    else:
        wanted = Q()
        for resolution, start in keys:
            wanted |= Q(resolution=resolution, start=start)
        rows = {
            (str(row.resolution), row.start): row
            for row in Candle.objects.filter(Q(pair_id=pair.pk) & wanted)
        }
    existing = set(rows)
    for step in steps:
        prices = [trade.price for trade in step.trades]
        volume = sum((trade.amount for trade in step.trades), ZERO)
        quote_volume = sum((trade.quote_amount for trade in step.trades), ZERO)
        (old_bid, old_ask), (bid, ask) = step.old, step.new
        for resolution, period in PERIODS.items():
            key = (resolution, period(step.at))
            row = rows.get(key)
            if row is None:
                # The period's open is the value in force when it began: the one before this change.
                row = rows[key] = Candle(
                    pair_id=pair.pk,
                    resolution=resolution,
                    start=key[1],
                    bid_open=old_bid,
                    bid_high=old_bid,
                    bid_low=old_bid,
                    ask_open=old_ask,
                    ask_high=old_ask,
                    ask_low=old_ask,
                    trade_open=prices[0] if prices else None,
                )
            # A side empty when the period began opens at its first price.
            row.bid_open = bid if row.bid_open is None else row.bid_open
            row.ask_open = ask if row.ask_open is None else row.ask_open
            row.bid_high, row.bid_low, row.bid_close = (
                _hi(row.bid_high, bid),
                _lo(row.bid_low, bid),
                bid,
            )
            row.ask_high, row.ask_low, row.ask_close = (
                _hi(row.ask_high, ask),
                _lo(row.ask_low, ask),
                ask,
            )
            if prices:
                if row.trade_open is None:
                    row.trade_open = prices[0]
                row.trade_high = _hi(row.trade_high, *prices)
                row.trade_low = _lo(row.trade_low, *prices)
                row.trade_close = prices[-1]
                row.volume += volume
                row.quote_volume += quote_volume
    Candle.objects.bulk_create([row for key, row in rows.items() if key not in existing])
    _candles_update([row for key, row in rows.items() if key in existing])
    return rows


# Every value a candle update writes (the key fields pair, resolution and start never change).
CANDLE_VALUES = tuple(
    concrete_field(Candle, name)
    for name in (
        "bid_open",
        "bid_high",
        "bid_low",
        "bid_close",
        "ask_open",
        "ask_high",
        "ask_low",
        "ask_close",
        "trade_open",
        "trade_high",
        "trade_low",
        "trade_close",
        "volume",
        "quote_volume",
    )
)


def _candles_update(rows: list[Candle]) -> None:
    """Write the candles' values back in ONE UPDATE (a CASE per column on the row id) instead of one per
    row: the rows are locked by the pair lock's holder only, so this is the same write in fewer round trips.

    Written out as SQL: `bulk_update` builds the same statement, but compiling its expressions costs more
    than running it. Identifiers come from the model's metadata; every value is a parameter.
    """
    if not rows:
        return
    qn = connection.ops.quote_name
    pk_col = qn(Candle._meta.pk.column)
    # PostgreSQL types a CASE of bare parameters (or of NULLs only) as text: cast it to the column's type.
    cast = connection.features.requires_casted_case_in_updates
    whens = " ".join([f"WHEN {pk_col} = %s THEN %s"] * len(rows))
    sets, params = [], []
    for column in CANDLE_VALUES:
        case = f"CASE {whens} END"
        if cast:
            case = f"CAST({case} AS {column.cast_db_type(connection)})"  # type: ignore[attr-defined]
        sets.append(f"{qn(column.column)} = {case}")
        for row in rows:
            params += [row.pk, column.get_db_prep_save(getattr(row, column.attname), connection)]
    marks = ", ".join(["%s"] * len(rows))
    params += [row.pk for row in rows]
    sql = (
        f"UPDATE {qn(Candle._meta.db_table)} SET {', '.join(sets)}"  # noqa: S608
        f" WHERE {pk_col} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def period_start(resolution_seconds: int, at: datetime) -> datetime:
    """The start of the `resolution_seconds`-long period (aligned on the epoch, UTC) that holds `at`."""
    elapsed = int((at - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % resolution_seconds)
