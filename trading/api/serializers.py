from rest_framework import serializers

from common.api import AsciiDecimalField
from common.money import DECIMAL_PLACES, MAX_DIGITS
from common.serializers import MoneyField
from conditions.selectors import precision_of
from trading.models import OrderStatus, OrderType, Side, TimeInForce


class AmountField(AsciiDecimalField):
    """A money amount out as a plain decimal string (no exponent, no trailing zeros); in as string or number."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(**kwargs)

    def to_representation(self, value):  # type: ignore[no-untyped-def]
        return None if value is None else format(value.normalize(), "f")


def _field(row, name):  # type: ignore[no-untyped-def]
    return row[name] if isinstance(row, dict) else getattr(row, name)


# Orders, my trades and the market data leave by the one display rule: amounts with their currency's precision,
# prices with the pair's ("97250.5", "0.00100000", "97.25").
BASE = precision_of(lambda row: _field(row, "pair").base_id)
QUOTE = precision_of(lambda row: _field(row, "pair").quote_id)
FEE = precision_of(lambda row: _field(row, "fee_currency_id"))


def _pair(row, context):  # type: ignore[no-untyped-def]
    """The row's pair: the one the view put in the context (book levels, public trades, candles), else its own."""
    return context["pair"] if "pair" in context else _field(row, "pair")


def PRICE(row, context):  # type: ignore[no-untyped-def]  # noqa: N802 - read as a constant beside BASE/QUOTE
    return _pair(row, context).price_precision


# Market data by the same rule, from the pair's own currencies (the views join them).
def MARKET_BASE(row, context):  # type: ignore[no-untyped-def]  # noqa: N802
    return _pair(row, context).base.precision


def MARKET_QUOTE(row, context):  # type: ignore[no-untyped-def]  # noqa: N802
    return _pair(row, context).quote.precision


def USD(row, context):  # type: ignore[no-untyped-def]  # noqa: N802
    return 2


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_order_id = serializers.CharField()
    account = serializers.CharField(source="account.name", help_text='Spot account ("" = main).')
    pair = serializers.CharField(source="pair.symbol")
    side = serializers.ChoiceField(choices=Side.choices)
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    time_in_force = serializers.ChoiceField(choices=TimeInForce.choices)
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    price = MoneyField(places=PRICE, allow_null=True)
    stop_price = MoneyField(places=PRICE, allow_null=True)
    amount = MoneyField(places=BASE, allow_null=True, help_text="Requested base amount.")
    quote_amount = MoneyField(
        places=QUOTE, allow_null=True, help_text="Requested quote amount (market buys)."
    )
    executed_amount = MoneyField(places=BASE)
    executed_quote = MoneyField(places=QUOTE)
    average_price = MoneyField(places=PRICE, allow_null=True)
    fee_amount = MoneyField(places=FEE)
    fee_currency = serializers.CharField(source="fee_currency_id")
    is_triggered = serializers.BooleanField(
        help_text="False while a stop order waits for its price."
    )
    expire_at = serializers.DateTimeField(allow_null=True)
    reject_code = serializers.IntegerField(allow_null=True)
    reject_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TradeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pair = serializers.CharField(source="pair.symbol")
    side = serializers.CharField(help_text="My side: BUY or SELL.")
    role = serializers.CharField(help_text="maker or taker.")
    order_id = serializers.IntegerField()
    price = MoneyField(places=PRICE)
    amount = MoneyField(places=BASE)
    quote_amount = MoneyField(places=QUOTE)
    fee = MoneyField(places=FEE)
    fee_currency = serializers.CharField(source="fee_currency_id")
    created_at = serializers.DateTimeField()


class PublicTradeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    side = serializers.CharField(source="taker_side", help_text="The taker's side.")
    price = MoneyField(places=PRICE)
    amount = MoneyField(places=MARKET_BASE)
    created_at = serializers.DateTimeField()


class LevelSerializer(serializers.Serializer):
    price = MoneyField(places=PRICE)
    amount = MoneyField(places=MARKET_BASE)


class OrderBookOutputSerializer(serializers.Serializer):
    pair = serializers.CharField(source="pair.symbol")
    at = serializers.DateTimeField()
    bids = LevelSerializer(many=True)
    asks = LevelSerializer(many=True)


class TickerOutputSerializer(serializers.Serializer):
    pair = serializers.CharField(source="pair.symbol")
    best_bid = MoneyField(places=PRICE, allow_null=True)
    best_ask = MoneyField(places=PRICE, allow_null=True)
    last = MoneyField(
        places=PRICE, allow_null=True, help_text="Last trade price, else the mid price."
    )
    last_trade_price = MoneyField(places=PRICE, allow_null=True)
    last_trade_volume = MoneyField(places=MARKET_BASE, allow_null=True)
    last_trade_at = serializers.DateTimeField(allow_null=True)
    high = MoneyField(places=PRICE, allow_null=True, help_text="Highest trade price, last 24 h.")
    low = MoneyField(places=PRICE, allow_null=True)
    price_change = MoneyField(places=PRICE, allow_null=True)
    volume = MoneyField(places=MARKET_BASE, help_text="Base volume, last 24 h.")
    quote_volume = MoneyField(places=MARKET_QUOTE)
    volume_30d = MoneyField(places=MARKET_BASE)
    volume_usd = MoneyField(places=USD)


class CandleOutputSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    resolution = serializers.CharField()
    open = MoneyField(places=PRICE, allow_null=True)
    high = MoneyField(places=PRICE, allow_null=True)
    low = MoneyField(places=PRICE, allow_null=True)
    close = MoneyField(places=PRICE, allow_null=True)
    volume = MoneyField(places=MARKET_BASE)
    is_closed = serializers.BooleanField()
