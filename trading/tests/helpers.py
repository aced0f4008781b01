"""Test helpers: fund a trader's sub-account, place orders tersely, read balances."""

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from activities.actor import Actor
from activities.models import Source
from ledger import services as ledger
from ledger.models import SYSTEM_FEES, AccountKind, Balance
from trading.models import Order
from trading.services import PlaceResult, order_place

SUB = "sub1"


def fund(user: Any, account: str = SUB, **amounts: str) -> None:
    """Credit the wallet and move everything into the sub-account `account` (created if needed)."""
    ledger.account_create(user=user, name=account, actor=Actor.system())
    for currency, amount in amounts.items():
        ledger.wallet_credit(
            user=user,
            currency=currency,
            amount=Decimal(amount),
            actor=Actor(ip=None, source=Source.ADMIN),
        )
        ledger.transfer_from_wallet(
            user=user,
            account=account,
            currency=currency,
            amount=Decimal(amount),
            actor=Actor.system(),
        )


def place(
    user: Any,
    side: str,
    amount: str | None,
    price: str | None = None,
    *,
    pair: str = "BTC-USD",
    order_type: str | None = None,
    account: str = SUB,
    **kwargs: Any,
) -> PlaceResult:
    kind = order_type or ("Limit" if price is not None else "Market")
    return order_place(
        user=user,
        account=account,
        pair=pair,
        side=side,
        order_type=kind,
        amount=None if amount is None else Decimal(amount),
        price=None if price is None else Decimal(price),
        **{"actor": Actor.system(), **kwargs},
    )


def clear_of_a_minute_boundary(margin: float = 5.0) -> None:
    """Sleep into the next minute when fewer than `margin` seconds are left of this one, so that what a test
    places next, at the clock's time, lands in one 1m candle with the one it then reads."""
    now = datetime.now(UTC)
    left = 60 - now.second - now.microsecond / 1e6
    if left < margin:
        time.sleep(left + 0.05)


def balance(user: Any, currency: str, account: str = SUB) -> tuple[Decimal, Decimal]:
    """(total, on hold) of `currency` in the user's spot account `account`."""
    row = Balance.objects.filter(
        account__user=user,
        account__kind=AccountKind.SPOT,
        account__name=account,
        currency_id=currency,
    ).first()
    return (row.total, row.on_hold) if row else (Decimal(0), Decimal(0))


def fees_collected(currency: str) -> Decimal:
    row = Balance.objects.filter(
        account__kind=AccountKind.SYSTEM, account__name=SYSTEM_FEES, currency_id=currency
    ).first()
    return row.total if row else Decimal(0)


def currency_sum(currency: str) -> Decimal:
    """The sum over every account, system accounts included: always zero (double entry)."""
    return sum((row.total for row in Balance.objects.filter(currency_id=currency)), Decimal(0))


def reload(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)
