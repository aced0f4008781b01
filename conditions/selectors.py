"""Reads of currencies and pairs. Each returns a queryset with its relations already joined or prefetched."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from activities.models import Activity, ActivityType
from conditions.errors import CurrencyNotFoundError, PairNotFoundError
from conditions.models import Currency, Pair


def currency_list(*, codes: Iterable[str] | None = None) -> QuerySet[Currency]:
    """Currencies by code (all when `codes` is None; unknown codes are dropped), networks prefetched."""
    rows = Currency.objects.prefetch_related("networks").order_by("code")
    if codes is not None:
        rows = rows.filter(code__in=[code.upper() for code in codes])
    return rows


def currency_get(*, code: str) -> Currency:
    """One currency with its networks; raises `CurrencyNotFoundError`."""
    found = currency_list(codes=[code]).first()
    if found is None:
        raise CurrencyNotFoundError(f"Unsupported currency {code}", details={"currency": code})
    return found


def pair_list(*, symbols: Iterable[str] | None = None) -> QuerySet[Pair]:
    """Pairs by symbol (all when `symbols` is None; unknown symbols are dropped), currencies joined."""
    rows = Pair.objects.select_related("base", "quote", "fee_currency").order_by("symbol")
    if symbols is not None:
        rows = rows.filter(symbol__in=[symbol.upper() for symbol in symbols])
    return rows


def pair_get(*, symbol: str) -> Pair:
    """One pair by its symbol ("BTC-USD", case-insensitive); raises `PairNotFoundError`."""
    found = pair_list(symbols=[symbol]).first()
    if found is None:
        raise PairNotFoundError(f"Unsupported pair {symbol}", details={"pair": symbol})
    return found


def pair_change_history(*, symbol: str, limit: int = 50) -> QuerySet[Activity]:
    """The pair's change records (activity rows written by `pair_create`/`pair_update`), newest first."""
    return (
        Activity.objects.filter(action=ActivityType.PAIR_CHANGED, details__pair=symbol)
        .select_related("user")
        .order_by("-created_at", "-id")[:limit]
    )


def currency_precisions() -> dict[str, int]:
    """Every currency's display precision by code, in one query."""
    return dict(Currency.objects.values_list("code", "precision"))


def precision_of(
    code_of: Callable[[Any], str | None],
) -> Callable[[Any, dict[str, Any]], int | None]:
    """A `common.serializers.MoneyField` `places` for the currency `code_of(row)` names; the precisions are read
    once per serialization (kept in the serializer's context)."""

    def places(row: Any, context: dict[str, Any]) -> int | None:
        if "currency_precisions" not in context:
            context["currency_precisions"] = currency_precisions()
        code = code_of(row)
        return None if code is None else context["currency_precisions"].get(code)

    return places
