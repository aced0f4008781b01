"""The trading engine's refusals that are errors (not order rejections).

A rejected order is not an error: `order_place` returns it with status REJECTED, `reject_code` and
`reject_reason` (HTTP 200 on the gateway, as the protocol wants). These errors are for requests that name no
valid order at all. Messages are the protocol's texts where it has one (ccxt matches substrings).
"""

from common.errors import DomainError, NotFoundError


class MainAccountOrderError(DomainError):
    code = "main_account_orders_not_allowed"
    default_message = "API orders from Main account are not allowed"


class ClientOrderIdConflictError(DomainError):
    code = "client_order_id_conflict"
    default_message = "clientOrderId was already used with different parameters"


class OrderNotFoundError(NotFoundError):
    code = "order_not_found"
    default_message = "Order not found"


class OrderFinalError(DomainError):
    code = "order_final"
    default_message = "Order is already in final state"


class OrderCancelNotAllowedError(DomainError):
    """The pair is halted: its book is frozen, cancels included."""

    code = "order_cancel_not_allowed"
    default_message = "Trading on this pair is halted; orders cannot be cancelled now"


class TradingUnavailableError(DomainError):
    """The pair's matcher did not answer within the bounded wait (down, restarting, or unreachable): the
    command was not run. Other pairs keep trading."""

    code = "trading_unavailable"
    default_message = "Trading is temporarily unavailable"

    @classmethod
    def for_pair(cls, symbol: str) -> "TradingUnavailableError":
        return cls(f"Trading is temporarily unavailable for {symbol}", details={"pair": symbol})
