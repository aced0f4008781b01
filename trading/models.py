"""Orders, trades and the market data the engine keeps as it matches.

The order book is the set of orders with `is_resting=True`, read in price-time priority (price, then `rested_at`,
then id) through one partial index. Every write to the book happens under the pair's lock (`select_for_update`
on `conditions.Pair`), so readers inside that lock see a stable book. `PairState` holds the best bid, best ask and
last trade of each pair; `Candle` folds every top-of-book change and every trade into per-minute, per-hour and
per-day rows (open/high/low/close of the best bid, of the best ask and of trade prices, plus traded volume),
from which `get_candles` and the ticker read.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from common.money import AmountField, display_amount


class Side(models.TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"


class OrderType(models.TextChoices):
    LIMIT = "Limit", "Limit"
    MARKET = "Market", "Market"
    STOP_LIMIT = "Stop Limit", "Stop Limit"


class TimeInForce(models.TextChoices):
    GTC = "GTC", "Good till cancelled"
    IOC = "IOC", "Immediate or cancel"
    FOK = "FOK", "Fill or kill"
    GTD = "GTD", "Good till date"


class OrderStatus(models.TextChoices):
    PENDING_NEW = "PENDING_NEW", "Pending new"
    NEW = "NEW", "New"
    PARTIALLY_FILLED = "PARTIALLY_FILLED", "Partially filled"
    PENDING_CANCEL = "PENDING_CANCEL", "Pending cancel"
    FILLED = "FILLED", "Filled"
    CANCELLED = "CANCELLED", "Cancelled"
    EXPIRED = "EXPIRED", "Expired"
    REJECTED = "REJECTED", "Rejected"


OPEN_STATUSES = (OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
FINAL_STATUSES = (
    OrderStatus.FILLED,
    OrderStatus.CANCELLED,
    OrderStatus.EXPIRED,
    OrderStatus.REJECTED,
)
OPEN = Q(status__in=OPEN_STATUSES)


class Order(models.Model):
    """One order. Its id is the protocol's integer `orderId`.

    Funds: `hold_currency`/`hold_initial` is what was put on hold at placement (fee included) and
    `hold_remaining` what is still on hold for it; a final order holds nothing. `remaining` is the base amount
    still to fill (resting and untriggered stop orders). `maker_rate`/`taker_rate` are the fee rates in percent in
    force when the order was placed; fills charge them.

    `client_order_id` is the caller's id as sent. `dedupe_key` carries the same id while it blocks reuse: unique
    per user, set for accepted orders, cleared once the order is older than `TRADING_CLIENT_ORDER_ID_TTL_S` (24 h;
    lazily when the id comes again, and by the expiry task). Rejected orders never block their id.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="orders")
    pair = models.ForeignKey("conditions.Pair", on_delete=models.PROTECT, related_name="orders")
    client_order_id = models.CharField(max_length=64, blank=True, default="")
    dedupe_key = models.CharField(max_length=64, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    side = models.CharField(max_length=4, choices=Side.choices)
    order_type = models.CharField(max_length=10, choices=OrderType.choices)
    time_in_force = models.CharField(max_length=3, choices=TimeInForce.choices)
    status = models.CharField(max_length=16, choices=OrderStatus.choices)
    price = AmountField(null=True, blank=True)
    stop_price = AmountField(null=True, blank=True)
    amount = AmountField(null=True, blank=True, help_text="Requested amount in base.")
    quote_amount = AmountField(null=True, blank=True, help_text="Requested amount in quote.")
    remaining = AmountField(default=Decimal(0), help_text="Base amount left to fill.")
    executed_amount = AmountField(default=Decimal(0))
    executed_quote = AmountField(default=Decimal(0))
    fee_amount = AmountField(default=Decimal(0))
    fee_currency = models.ForeignKey(
        "conditions.Currency", on_delete=models.PROTECT, related_name="+"
    )
    maker_rate = AmountField(default=Decimal(0))
    taker_rate = AmountField(default=Decimal(0))
    hold_currency = models.ForeignKey(
        "conditions.Currency", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    hold_initial = AmountField(default=Decimal(0))
    hold_remaining = AmountField(default=Decimal(0))
    is_resting = models.BooleanField(default=False, help_text="On the order book now.")
    is_triggered = models.BooleanField(
        default=True, help_text="False for a stop order not yet triggered."
    )
    rested_at = models.DateTimeField(null=True, blank=True, help_text="Time priority on the book.")
    expire_at = models.DateTimeField(null=True, blank=True)
    client_created_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=255, blank=True, default="")
    reject_code = models.PositiveIntegerField(null=True, blank=True)
    reject_reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The number, in the pair's command sequence (`MatcherCommand.seq`), of the command that placed the order.
    seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        permissions = [("cancel_order", "Can cancel a user's open orders")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="trading_order_client_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    remaining__gte=0,
                    executed_amount__gte=0,
                    executed_quote__gte=0,
                    fee_amount__gte=0,
                    hold_initial__gte=0,
                    hold_remaining__gte=0,
                ),
                name="trading_order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(is_resting=False) | (Q(price__isnull=False) & OPEN),
                name="trading_order_resting_is_open_limit",
            ),
        ]
        indexes = [
            # The book in priority order: one range scan per side.
            models.Index(
                fields=["pair", "side", "price", "rested_at", "id"],
                condition=Q(is_resting=True),
                name="trading_order_book",
            ),
            models.Index(fields=["user", "-created_at", "-id"], name="trading_order_user_time"),
            models.Index(
                fields=["account", "pair"], condition=OPEN, name="trading_order_open_per_account"
            ),
            models.Index(
                fields=["pair", "stop_price"],
                condition=Q(is_triggered=False) & OPEN,
                name="trading_order_stops",
            ),
            models.Index(
                fields=["expire_at"],
                condition=Q(expire_at__isnull=False) & OPEN,
                name="trading_order_expiry",
            ),
            models.Index(fields=["user", "client_order_id"], name="trading_order_client_id"),
        ]

    def __str__(self) -> str:
        # The pair's symbol, not its internal id: this is the admin page's title.
        return f"order {self.pk} {self.side} {self.pair.symbol} {self.status}"

    @property
    def average_price(self) -> Decimal | None:
        if not self.executed_amount:
            return None
        return self.executed_quote / self.executed_amount


class Trade(models.Model):
    """One fill between a resting (maker) order and an incoming (taker) order, at the maker's price."""

    pair = models.ForeignKey("conditions.Pair", on_delete=models.PROTECT, related_name="trades")
    maker_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="maker_trades")
    taker_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="taker_trades")
    # Denormalised so "my trades" is one index scan.
    maker_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taker_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taker_side = models.CharField(max_length=4, choices=Side.choices)
    price = AmountField()
    amount = AmountField(help_text="Base amount.")
    quote_amount = AmountField(
        help_text="amount x price cut to the quote currency's precision (0 for a dust fill, trading/core/rules.py)."
    )
    maker_fee = AmountField(default=Decimal(0))
    taker_fee = AmountField(default=Decimal(0))
    fee_currency = models.ForeignKey(
        "conditions.Currency", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    # The number, in the pair's command sequence (`MatcherCommand.seq`), of the command that made the trade.
    seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0, amount__gt=0, quote_amount__gte=0),
                name="trading_trade_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=["pair", "-created_at", "-id"], name="trading_trade_pair_time"),
            models.Index(
                fields=["maker_user", "-created_at", "-id"], name="trading_trade_maker_time"
            ),
            models.Index(
                fields=["taker_user", "-created_at", "-id"], name="trading_trade_taker_time"
            ),
        ]

    def __str__(self) -> str:
        pair = self.pair
        amount = display_amount(self.amount, pair.base.precision)
        return f"trade {self.pk} {amount} {pair.symbol} @ {display_amount(self.price, pair.price_precision)}"


class PairState(models.Model):
    """The live summary of a pair's market, written under the pair's lock by the engine."""

    pair = models.OneToOneField(
        "conditions.Pair", on_delete=models.CASCADE, primary_key=True, related_name="market_state"
    )
    best_bid = AmountField(null=True, blank=True)
    best_ask = AmountField(null=True, blank=True)
    last_price = AmountField(null=True, blank=True)
    last_amount = AmountField(null=True, blank=True)
    last_trade_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        places = self.pair.price_precision

        def price(value: Decimal | None) -> str:
            return "-" if value is None else display_amount(value, places)

        return (
            f"{self.pair.symbol}: bid {price(self.best_bid)} ask {price(self.best_ask)} "
            f"last {price(self.last_price)}"
        )


class Resolution(models.TextChoices):
    MINUTE = "1m", "1 minute"
    HOUR = "1h", "1 hour"
    DAY = "1d", "1 day"


class Candle(models.Model):
    """One period of a pair's market: best bid, best ask and trade prices (open/high/low/close), traded volume.

    Written under the pair's lock each time the top of the book changes or a trade happens; a period without a
    change has no row (its values are the previous row's close).
    """

    pair = models.ForeignKey("conditions.Pair", on_delete=models.CASCADE, related_name="+")
    resolution = models.CharField(max_length=2, choices=Resolution.choices)
    start = models.DateTimeField()
    bid_open = AmountField(null=True, blank=True)
    bid_high = AmountField(null=True, blank=True)
    bid_low = AmountField(null=True, blank=True)
    bid_close = AmountField(null=True, blank=True)
    ask_open = AmountField(null=True, blank=True)
    ask_high = AmountField(null=True, blank=True)
    ask_low = AmountField(null=True, blank=True)
    ask_close = AmountField(null=True, blank=True)
    trade_open = AmountField(null=True, blank=True)
    trade_high = AmountField(null=True, blank=True)
    trade_low = AmountField(null=True, blank=True)
    trade_close = AmountField(null=True, blank=True)
    volume = AmountField(default=Decimal(0))
    quote_volume = AmountField(default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pair", "resolution", "start"], name="trading_candle_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pair.symbol} {self.resolution} {self.start:%Y-%m-%d %H:%M}"


class BookFeed(models.Model):
    """The order book as last published to subscribers, with its per-pair sequence number (trading/events.py).

    Written only under the pair's lock, in the transaction that changed the book, so `seq` grows by exactly
    one per published change, in commit order, and a reader always sees a `seq` with the levels it describes.
    Levels are `[[price, amount], ...]` as decimal strings, best first.
    """

    pair = models.OneToOneField(
        "conditions.Pair", on_delete=models.CASCADE, primary_key=True, related_name="book_feed"
    )
    seq = models.PositiveBigIntegerField(default=0)
    bids = models.JSONField(default=list)
    asks = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.pair_id}: seq {self.seq}"


class MatcherCommand(models.Model):
    """A command a pair's matcher has run (or a door has given up on), stored in the batch's transaction with
    the reply it got: a redelivered command is answered from here and never runs twice.

    `seq` numbers a pair's commands in the order its one writer ran them (+1 each, gap-free, in commit order);
    it is null for a command the door abandoned before the matcher reached it (`abandoned`), which then never
    runs. Rows older than `TRADING_COMMAND_RETENTION_S` are pruned, except each pair's last.
    """

    id = models.CharField(max_length=32, primary_key=True)
    pair = models.ForeignKey("conditions.Pair", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=16)
    reply = models.JSONField()
    abandoned = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pair", "seq"], name="trading_matchercommand_pair_seq"),
        ]
        indexes = [models.Index(fields=["created_at"], name="trading_matchercommand_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} (seq {self.seq})"
