"""The wire vocabulary: every number and time the protocol writes.

Pure: no Django, no I/O; `Decimal` in, text out (never float: even where the protocol sends JSON numbers,
`json_number` writes their digits exactly). Each formatter is named for what it does to the digits:

    fixed(v)          as it is, fixed-point (never exponent notation)        Decimal("1E-7")    -> "0.0000001"
    trimmed(v)        fixed-point without trailing zeros                      Decimal("0.0100")  -> "0.01"
    padded(v, p)      at least p decimals: pads, never cuts                   Decimal("1.5"), 2  -> "1.50"
    cut(v, p)         exactly p decimals, the rest cut off (toward zero)      Decimal("1.999"), 2 -> "1.99"
    rounded(v, p)     exactly p decimals, rounded half to even                Decimal("1.005"), 2 -> "1.00"
    integer_or_trimmed(v)  an int when whole, else trimmed text (tier volumes) Decimal("100.0")   -> 100
    json_number(v, p) a bare JSON number: rounded to p decimals, trimmed     Decimal("5E-7"), 8 -> 0.0000005
                      (OHLCV only; written by `json_default` + `bare_numbers`)

Times: `epoch_ms` (Unix milliseconds, exact, no float) and `iso_ms` (`YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC).

Reading what clients send is the other direction: gateway/params.py (parameters) and
`conditions.validation.order_kind` (order type, side and time in force, for both doors).
"""

import json
import re
import secrets
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any, overload

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --- numbers ----------------------------------------------------------------------------------------


def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _places_of(value: Decimal) -> int:
    """The decimals the value really has: `_places_of(Decimal("1.500000000000")) == 1`."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fixed(value: Decimal) -> str:
    """The value as it is, in fixed-point notation (never `1E-7`)."""
    return format(value, "f")


def trimmed(value: Decimal) -> str:
    """Fixed-point without trailing zeros or a trailing point: `0.000100000000` -> `"0.0001"`, `100` -> `"100"`."""
    text = fixed(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@overload
def padded(value: Decimal, places: int) -> str: ...
@overload
def padded(value: None, places: int) -> None: ...
@overload
def padded(value: Decimal | None, places: int) -> str | None: ...
def padded(value: Decimal | None, places: int) -> str | None:
    """Fixed-point with at least `places` decimals: zeros are added, digits are never cut (a value with more
    decimals keeps them all). None (a field the order does not have) stays None."""
    if value is None:
        return None
    # On the text (every push and answer writes a dozen of these): the value's own digits, without the
    # trailing zeros, then zeros up to `places`. The same as quantizing to max(places, its real decimals).
    text = format(value, "f")
    point = text.find(".")
    if point >= 0:
        text = text.rstrip("0")
        decimals = len(text) - point - 1
        if decimals == 0:
            text = text[:-1]
    else:
        decimals = 0
    if decimals >= places:
        return text
    return f"{text}{'' if decimals else '.'}{'0' * (places - decimals)}" if places else text


def cut(value: Decimal, places: int) -> str:
    """Fixed-point with exactly `places` decimals; extra digits are cut off toward zero (a balance is never
    shown larger than it is)."""
    return fixed(value.quantize(_step(places), rounding=ROUND_DOWN))


@overload
def rounded(value: Decimal, places: int) -> str: ...
@overload
def rounded(value: None, places: int) -> None: ...
@overload
def rounded(value: Decimal | None, places: int) -> str | None: ...
def rounded(value: Decimal | None, places: int) -> str | None:
    """Fixed-point with exactly `places` decimals, rounded half to even (averages, percentages, USD values).
    None stays None."""
    if value is None:
        return None
    return fixed(value.quantize(_step(places), rounding=ROUND_HALF_EVEN))


def integer_or_trimmed(value: Decimal) -> int | str:
    """A JSON integer when whole, else `trimmed` text (fee tier volumes: the protocol types them as numbers, and
    whole dollars are what they are in practice; a fraction stays exact as text)."""
    return int(value) if value == value.to_integral_value() else trimmed(value)


class Number(Decimal):
    """A value the protocol sends as a JSON number, not a string: `json_number` makes one, `json_default` and
    `bare_numbers` write it."""


def json_number(value: Decimal, places: int) -> Number:
    """The protocol sends OHLCV as JSON numbers (the one place it does). Written exactly, in fixed-point (a float
    would be `1.23e-06` below 1E-4, and inexact past 15 digits), with at most `places` decimals (rounded half to
    even, as `rounded`) and no trailing zeros, as the protocol's examples (`"low":22913`, `"volume":779.00675644`)."""
    return Number(value.quantize(_step(places), rounding=ROUND_HALF_EVEN))


# How a `Number` travels through `json.dumps`, whose encoder writes nothing bare but its own ints and floats:
# `json_default` turns it into a string that starts with this mark, `bare_numbers` unquotes those strings in the
# output. The random token (new in each process) keeps any text a client sent from ever passing for one.
_MARK = "\x00" + secrets.token_hex(8) + ":"
_MARK_IN_JSON = json.dumps(_MARK)[1:-1]  # "\u0000…:", as the encoder escapes it
_MARKED_NUMBER = re.compile('"' + re.escape(_MARK_IN_JSON) + r'(-?[0-9]+(?:\.[0-9]+)?)"')


def bare_numbers(text: str) -> str:
    """JSON text from `json.dumps(..., default=json_default)` with every `Number` written as a bare number."""
    if _MARK_IN_JSON not in text:
        return text
    return _MARKED_NUMBER.sub(r"\1", text)


# --- times ------------------------------------------------------------------------------------------


def epoch_ms(moment: datetime) -> int:
    """Unix epoch milliseconds of an aware datetime, exact (no float rounding)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def iso_ms(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC, the protocol's date format (milliseconds cut, not rounded)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def json_default(value: Any) -> Any:
    """`json.dumps(default=...)` for answers: `Decimal` as `fixed`, `datetime` as `iso_ms`, sets as lists; a
    `Number` as a marked string that `bare_numbers` then writes bare."""
    if isinstance(value, Number):
        return _MARK + trimmed(value)
    if isinstance(value, Decimal):
        return fixed(value)
    if isinstance(value, datetime):
        return iso_ms(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
