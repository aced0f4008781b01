"""Domain errors of the trading conditions.

Every order-rule refusal is an `OrderRuleError` whose class attribute `rule` names the protocol rule; the gateway
renders it as `"<rule> check failed"` (the text ccxt maps to BadRequest), the frontend as the message, which names
the rule's limit: "Amount 0.00001 is below the minimum 0.0001 for BTC-USD".
"""

from typing import ClassVar

from common.errors import DomainError, NotFoundError


class PairNotFoundError(NotFoundError):
    code = "pair_not_found"
    default_message = "Unknown pair."


class CurrencyNotFoundError(NotFoundError):
    code = "currency_not_found"
    default_message = "Unknown currency."


class PairConditionsInvalidError(DomainError):
    """A pair change that would leave inconsistent conditions; `details` maps field -> problems."""

    code = "pair_conditions_invalid"
    default_message = "The trading conditions are not consistent."


class OrderRuleError(DomainError):
    """An order that breaks a trading condition of its pair. `rule` is the protocol's rule name."""

    code = "order_rule_failed"
    rule: ClassVar[str] = "order"
    default_message = "The order breaks a trading condition."

    @property
    def check_failed(self) -> str:
        """`<rule> check failed: <message>`, the protocol's text (ccxt maps the substring to BadRequest): the
        gateway's error text and a rejected order's `rejectReason` alike."""
        return f"{self.rule} check failed: {self.message}"


class PairHaltedError(OrderRuleError):
    code = "pair_halted"
    rule = "tradingStatus"


class PairCancelOnlyError(OrderRuleError):
    code = "pair_cancel_only"
    rule = "tradingStatus"


class OrderSideInvalidError(OrderRuleError):
    code = "order_side_invalid"
    rule = "side"


class OrderTypeNotAllowedError(OrderRuleError):
    code = "order_type_not_allowed"
    rule = "orderType"


class TimeInForceNotAllowedError(OrderRuleError):
    code = "time_in_force_not_allowed"
    rule = "timeInForce"


class OrderAmountMissingError(OrderRuleError):
    """No amount, or (market orders) both or neither of the base amount and the quote amount."""

    code = "order_amount_missing"
    rule = "amountCcy1"


class OrderAmountNotPositiveError(OrderRuleError):
    code = "order_amount_not_positive"
    rule = "amountCcy1"


class OrderPriceMissingError(OrderRuleError):
    code = "order_price_missing"
    rule = "price"


class StopPriceMissingError(OrderRuleError):
    code = "order_stop_price_missing"
    rule = "stopPrice"


class PriceTickError(OrderRuleError):
    code = "order_price_tick"
    rule = "pricePrecision"


class PriceBelowMinimumError(OrderRuleError):
    code = "order_price_below_minimum"
    rule = "minPrice"


class PriceAboveMaximumError(OrderRuleError):
    code = "order_price_above_maximum"
    rule = "maxPrice"


class AmountLotSizeError(OrderRuleError):
    code = "order_amount_lot_size"
    rule = "lotSizeCcy1"


class AmountBelowMinimumError(OrderRuleError):
    code = "order_amount_below_minimum"
    rule = "minOrderAmountCcy1"


class AmountAboveMaximumError(OrderRuleError):
    code = "order_amount_above_maximum"
    rule = "maxOrderAmountCcy1"


class QuoteAmountPrecisionError(OrderRuleError):
    code = "order_quote_amount_precision"
    rule = "lotSizeCcy2"


class ValueBelowMinimumError(OrderRuleError):
    code = "order_value_below_minimum"
    rule = "minOrderAmountCcy2"


class ValueAboveMaximumError(OrderRuleError):
    code = "order_value_above_maximum"
    rule = "maxOrderAmountCcy2"
