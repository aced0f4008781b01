"""The vocabulary and the money rules of matching: pure Decimal arithmetic, exact.

The names and values of `Side`, `OrderType`, `TimeInForce` and `Status` are those of `trading.models`, so a
stored order maps onto the core one to one.

Money rules (the matcher's, since the core is its executor: `trading/persistence.py` writes what they give).
Nothing below a currency's precision ever enters a balance: every amount a fill moves is already in its
currency's precision (`PairSpec.quote_places`, `PairSpec.fee_places`; base amounts are multiples of the lot):
- A fill's quote value is `amount * price` cut (ROUND_DOWN) to the quote currency's places. The buyer pays and
  the seller receives that same value, so the quote legs sum to zero exactly and nobody is credited what nobody
  paid; the cut (less than one unit of the quote's last decimal per fill) is the seller's. A fill worth less than
  one unit (a dust remainder: 5 satoshi at 97,000 USD) moves its base for a value of 0 rather than stalling the
  book.
- A fee is `value * rate / 100` rounded UP (toward the exchange) to the fee currency's places, and never more
  than the value it is charged on. `value` is the fill's amount in the fee currency; `rate` is in percent.
- What an order reserves (`book.Order.hold_for`): a buy reserves quote (limit: `amount * price` rounded UP to the
  quote's places; market: the cost its plan found, or its quote amount) and, when fees are in quote, the fee at
  the higher of its two rates (a limit order may end up maker or taker; a market order is always taker); a sell
  reserves its base amount and, when fees are in base, the fee on it.
- What an open order must keep reserved for what it has not filled (`book.Order.reserve_after`), fee excluded: a
  sell its remaining amount, a limit buy `remaining * price` rounded UP to the quote's places, a market buy the
  cost its plan has still to pay.
Cutting values and rounding reservations up is what keeps a buyer within its hold: the values of its fills are
whole units each at most their exact value, so what it paid plus `remaining * price` rounded up never exceeds
`amount * price` rounded up (a multiple of the unit plus a number rounds up to that multiple plus the number
rounded up).

Arithmetic uses the current decimal context, and `PairEngine` runs every command under `EXACT` (100 significant
digits): no product or sum of supported amounts (30 digits, 12 decimals) is ever rounded there, so the only
roundings are the ones named above. Call these functions under `decimal.localcontext(EXACT)` elsewhere too
(operators under a context are several times cheaper than the context's own methods, and these run per fill).
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Context, Decimal
from enum import StrEnum

MAX_PLACES = 12  # = common.money.DECIMAL_PLACES, the precision every amount is stored with
EXACT = Context(prec=100)
ZERO = Decimal(0)
_STEPS = tuple(Decimal(1).scaleb(-places) for places in range(MAX_PLACES + 1))  # 1, 0.1, ... 1E-12


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"
    STOP_LIMIT = "Stop Limit"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTD = "GTD"


class Status(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"


# Module-level names for the members the hot paths compare against (a global is ten times cheaper to read than
# an enum class attribute on Python 3.11).
BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET, STOP_LIMIT = OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_LIMIT
GTC, IOC, FOK, GTD = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD
NEW, PARTIALLY_FILLED, FILLED = Status.NEW, Status.PARTIALLY_FILLED, Status.FILLED
CANCELLED, EXPIRED = Status.CANCELLED, Status.EXPIRED


@dataclass(frozen=True, slots=True)
class PairSpec:
    """What the core needs to know about its pair.

    `quote_places` is the quote currency's precision, `fee_currency` is `base` or `quote` and `fee_places` its
    precision (the same as `quote_places` when fees are in quote). `lot_size` is the step a market buy by quote
    amount fills in. `max_open_orders` caps the open orders (resting and waiting stops) of one account on
    the pair; None: no cap. `stop_cascade` caps how many stop orders one command triggers (the rest wait for a
    `TriggerStops` command, and `Result.stops_pending` says so).
    """

    symbol: str
    base: str
    quote: str
    quote_places: int
    fee_currency: str
    fee_places: int
    lot_size: Decimal
    max_open_orders: int | None = None
    stop_cascade: int = 100

    def __post_init__(self) -> None:
        if self.fee_currency not in (self.base, self.quote):
            raise ValueError(f"{self.symbol}: fees must be in {self.base} or {self.quote}")
        if self.lot_size <= 0 or self.stop_cascade < 1:
            raise ValueError(f"{self.symbol}: lot size and stop cascade must be positive")
        for places in (self.quote_places, self.fee_places):
            if not 0 <= places <= MAX_PLACES:
                raise ValueError(f"{self.symbol}: places must be within 0..{MAX_PLACES}")
        if self.fee_in_quote and self.fee_places != self.quote_places:
            raise ValueError(f"{self.symbol}: fees in {self.quote} have its places")

    @property
    def fee_in_quote(self) -> bool:
        return self.fee_currency == self.quote


def quote_value(amount: Decimal, price: Decimal, places: int) -> Decimal:
    """The quote value of a fill of `amount` at `price`, cut to the quote currency's `places`."""
    return (amount * price).quantize(_STEPS[places], ROUND_DOWN)


def quote_cost(amount: Decimal, price: Decimal, places: int) -> Decimal:
    """What buying `amount` at `price` can cost at most, however it fills: the value rounded UP to the quote
    currency's `places` (reserving never falls short)."""
    return (amount * price).quantize(_STEPS[places], ROUND_UP)


def fee_for(value: Decimal, rate: Decimal, places: int) -> Decimal:
    """The fee on `value` at `rate` percent, rounded up to `places`, never above `value`."""
    if value <= 0 or rate <= 0:
        return ZERO
    fee = (value * rate).scaleb(-2).quantize(_STEPS[places], ROUND_UP)
    return fee if fee < value else value


def stop_reached(side: Side, stop_price: Decimal, last_price: Decimal | None) -> bool:
    """Whether a stop order of `side` triggers at `last_price`: a buy when the price rises to its stop, a sell
    when it falls to it."""
    if last_price is None:
        return False
    return last_price >= stop_price if side is BUY else last_price <= stop_price
