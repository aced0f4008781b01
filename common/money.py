"""Money helpers: one amount field for the whole project, and quantizing. (The wire's formatting is
gateway/wire.py.)

Rounding: amounts a user asks for are cut (ROUND_DOWN), never rounded up into funds they do not have; fees are
rounded toward the exchange (ROUND_UP). On SQLite, DECIMAL is stored as REAL: keep money arithmetic in Python
(`Decimal`), never in SQL (`F()`, `Sum`), so it stays exact on every backend.
"""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal, InvalidOperation

from django.db import models

MAX_DIGITS = 30
DECIMAL_PLACES = 12


class AmountField(models.DecimalField):
    """A money amount: Decimal with the project-wide precision."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_digits") == MAX_DIGITS:
            del kwargs["max_digits"]
        if kwargs.get("decimal_places") == DECIMAL_PLACES:
            del kwargs["decimal_places"]
        return name, path, args, kwargs


def step(places: int) -> Decimal:
    """The smallest unit at `places` decimals: step(2) == Decimal("0.01")."""
    return Decimal(1).scaleb(-places)


def quantize_down(value: Decimal, places: int) -> Decimal:
    return value.quantize(step(places), rounding=ROUND_DOWN)


def quantize_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(step(places), rounding=ROUND_UP)


def places_of(value: Decimal) -> int:
    """How many decimals a tick or step has: places_of(Decimal("0.010")) == 2."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def is_multiple(value: Decimal, unit: Decimal) -> bool:
    try:
        return value % unit == 0
    except InvalidOperation:
        return False


def display_amount(value: Decimal, places: int) -> str:
    """The one display rule for people (admin pages, frontend JSON): exactly `places` decimals (the currency's
    precision, or the pair's price precision), fixed-point, never exponent notation.

    `display_amount(Decimal("1E-8"), 8) == "0.00000001"`, `display_amount(Decimal("0E-12"), 8) == "0.00000000"`,
    `display_amount(Decimal("1000000.000000000000"), 2) == "1000000.00"`. Balances never hold more decimals than
    their currency's precision (the ledger refuses such amounts), so the rounding here (half-even) only ever
    touches derived figures such as average prices. The gateway keeps the protocol's own formats (gateway/wire.py).
    """
    return format(value.quantize(step(places), rounding=ROUND_HALF_EVEN), "f")


def plain_amount(value: Decimal) -> str:
    """The shortest fixed-point string (no trailing zeros, never exponent notation): for activity details,
    limits and rates that have no currency of their own, and editable form inputs (`1E-8` -> "0.00000001")."""
    return format(value.normalize(), "f")
