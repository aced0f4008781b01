"""Helpers for ledger tests: reference data and balance snapshots."""

from decimal import Decimal

from conditions.models import Currency, Network
from ledger.models import Account, AccountKind, Balance, JournalEntry


def make_currencies() -> None:
    for code, precision, wallet_precision in [
        ("USD", 2, 2),
        ("USDT", 6, 6),
        ("BTC", 8, 8),
        ("ETH", 8, 6),
        ("NOWAL", 8, None),
    ]:
        Currency.objects.get_or_create(
            code=code,
            defaults={
                "name": code,
                "precision": precision,
                "wallet_precision": wallet_precision,
                "is_fiat": code == "USD",
                "usd_rate": {"USD": Decimal(1), "USDT": Decimal(1), "BTC": Decimal(60000)}.get(
                    code
                ),
            },
        )
    Network.objects.get_or_create(currency_id="BTC", code="bitcoin", defaults={"is_default": True})
    Network.objects.get_or_create(currency_id="USDT", code="ERC20", defaults={"is_default": True})
    Network.objects.get_or_create(currency_id="USDT", code="tron")


def balance(user, account: str | None, currency: str) -> tuple[Decimal, Decimal]:  # type: ignore[no-untyped-def]
    """(total, on_hold) of the user's spot account `account` (None = the wallet); zeros when absent."""
    kind = AccountKind.WALLET if account is None else AccountKind.SPOT
    row = Balance.objects.filter(
        account__user=user, account__kind=kind, account__name=account or "", currency_id=currency
    ).first()
    return (row.total, row.on_hold) if row else (Decimal(0), Decimal(0))


def snapshot() -> tuple[list[tuple[int, str, Decimal, Decimal]], int, int]:
    """Every balance, the entry count and the account count: equal snapshots mean nothing moved."""
    rows = sorted(Balance.objects.values_list("account_id", "currency_id", "total", "on_hold"))
    return rows, JournalEntry.objects.count(), Account.objects.count()


def currency_sums() -> dict[str, Decimal]:
    """Sum of every balance total per currency, system accounts included: always zero."""
    sums: dict[str, Decimal] = {}
    for currency, total in Balance.objects.values_list("currency_id", "total"):
        sums[currency] = sums.get(currency, Decimal(0)) + total
    return sums
