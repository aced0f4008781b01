"""Action parameters: the JSON body decoder and reusable DRF fields that speak the protocol's error texts.

An action's `params` is a plain `Params` (a DRF `Serializer`) whose field names are the protocol's names:

    class TransferParams(Params):
        fromAccountId = AccountIdParam()
        toAccountId = AccountIdParam()
        currency = CurrencyParam()
        amount = DecimalParam(positive=True)
        clientTxId = StringParam(max_length=64, required=False)

Validation happens before anything runs; the first problem becomes a 422 with the protocol's text:
a missing (or null) required field is `Mandatory parameter <name> is missing`; the `*Param` fields below carry
their own texts; errors from a `validate()` method are sent verbatim (write them as protocol texts, e.g.
`fromAccountId and toAccountId should be different`). Unknown parameters are ignored, as clients send extras.

Numbers: the body is decoded with JSON floats kept as their source text (`JsonNumber`) and NaN/Infinity kept as
text, so `DecimalParam` sees exactly what the client wrote and can refuse exponent notation, NaN, Infinity,
negative and over-precise values whether they came as JSON numbers or as numeric strings. Values become `Decimal`
(never float).
"""

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings

from common.money import DECIMAL_PLACES, MAX_DIGITS
from gateway.errors import BadRequestError, ParameterError
from gateway.wire import EPOCH, epoch_ms


class JsonNumber(str):
    """A JSON number with a fraction or exponent, kept as the text the client sent."""

    __slots__ = ()


class JsonConstant(str):
    """`NaN`, `Infinity` or `-Infinity` in a JSON body (Python's json accepts them), kept as text."""

    __slots__ = ()


def parse_body(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}`. Anything else is `Bad Request` (400)."""
    if not body or body.isspace():
        return {}
    try:
        data = json.loads(body, parse_float=JsonNumber, parse_constant=JsonConstant)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise BadRequestError() from exc
    if not isinstance(data, dict):
        raise BadRequestError()
    return data


# --- fields -----------------------------------------------------------------------------------------


class ProtocolField(serializers.Field):
    """Base of the protocol fields: messages are final protocol texts, formatted with `{name}`."""

    default_error_messages = {
        "required": "Mandatory parameter {name} is missing",
        "null": "Parameter {name} should not be null",
        "invalid": "Parameter {name} is not valid",
    }

    def fail(self, key: str, **kwargs: Any) -> None:  # type: ignore[override]
        if key == "null" and self.required:
            key = "required"
        name = self.field_name or ""
        super().fail(key, name=name, Name=name[:1].upper() + name[1:], **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value


_DECIMAL = re.compile(r"^(-?)(\d+)(?:\.(\d+))?$")
_EXPONENT = re.compile(r"^-?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
_NOT_FINITE = frozenset(
    {"nan", "-nan", "snan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}
)


class DecimalParam(ProtocolField):
    """A non-negative decimal from a JSON number or a numeric string, as `Decimal`.

    `positive=True` also refuses zero (`Amount should be greater than zero`). `max_places` caps the decimals
    (default: the project's amount precision); the integer part is capped to what an `AmountField` holds.
    """

    default_error_messages = {
        "invalid": "Parameter {name} should be a number",
        "not_finite": "Parameter {name} should be a finite number",
        "exponent": "Parameter {name} should be written without exponent notation",
        "negative": "Parameter {name} should not be negative",
        "not_positive": "{Name} should be greater than zero",
        "precision": "Parameter {name} has more than {max_places} decimal places",
        "too_large": "Parameter {name} is too large",
    }

    def __init__(
        self,
        *,
        positive: bool = False,
        max_places: int = DECIMAL_PLACES,
        max_digits: int = MAX_DIGITS,
        **kwargs: Any,
    ) -> None:
        self.positive = positive
        self.max_places = max_places
        self.max_integer_digits = max_digits - DECIMAL_PLACES
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            text = str(data)
        elif isinstance(data, str):
            text = str.__str__(data)
        elif isinstance(data, float):  # only when a caller decoded JSON without parse_body
            text = repr(data)
        else:
            self.fail("invalid")
        match = _DECIMAL.match(text)
        if match is None:
            if text.strip().lower() in _NOT_FINITE:
                self.fail("not_finite")
            if _EXPONENT.match(text):
                self.fail("exponent")
            self.fail("invalid")
        sign, integer, fraction = match.groups()  # type: ignore[union-attr]
        value = Decimal(text)
        if sign and value != 0:
            self.fail("not_positive" if self.positive else "negative")
        if self.positive and value == 0:
            self.fail("not_positive")
        if fraction and len(fraction) > self.max_places:
            self.fail("precision", max_places=self.max_places)
        if len(integer.lstrip("0")) > self.max_integer_digits:
            self.fail("too_large")
        return abs(value)

    def to_representation(self, value: Any) -> Any:
        return format(value, "f")


class IntParam(ProtocolField):
    """A whole number from a JSON integer or a string of digits, within [min_value, max_value]."""

    default_error_messages = {
        "invalid": "Parameter {name} should be an integer",
        "min_value": "Parameter {name} should be at least {limit}",
        "max_value": "Parameter {name} should be at most {limit}",
    }
    _DIGITS = re.compile(r"^-?\d{1,18}$")

    def __init__(
        self, *, min_value: int | None = 0, max_value: int | None = None, **kwargs: Any
    ) -> None:
        self.min_value = min_value
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str):
            if isinstance(data, JsonNumber | JsonConstant) or not self._DIGITS.match(data):
                self.fail("invalid")
            data = int(data)
        if self.min_value is not None and data < self.min_value:
            self.fail("min_value", limit=self.min_value)
        if self.max_value is not None and data > self.max_value:
            self.fail("max_value", limit=self.max_value)
        return int(data)


class TimestampMsParam(IntParam):
    """Epoch milliseconds (JSON integer or digit string) as an aware UTC `datetime`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", 253402300799999)  # 9999-12-31T23:59:59.999Z
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:  # type: ignore[override]
        return EPOCH + timedelta(milliseconds=super().to_internal_value(data))

    def to_representation(self, value: Any) -> Any:
        return epoch_ms(value)


class DateTimeParam(TimestampMsParam):
    """A moment given as ISO-8601 text (`2026-11-23T20:13:48.786Z`) or as epoch ms (number or digit string)."""

    default_error_messages = {
        "invalid": "Parameter {name} should be an ISO 8601 date or a timestamp in milliseconds",
    }

    def to_internal_value(self, data: Any) -> datetime:  # type: ignore[override]
        if isinstance(data, str) and not data.isdigit():
            try:
                moment = datetime.fromisoformat(data)
            except ValueError:
                self.fail("invalid")
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        return super().to_internal_value(data)


class StringParam(ProtocolField):
    """Text (JSON string only) of at most `max_length` characters, optionally matching `pattern`."""

    default_error_messages = {
        "invalid": "Parameter {name} should be a string",
        "blank": "Parameter {name} should not be empty",
        "max_length": "Parameter {name} should be at most {max_length} characters long",
        "pattern": "Parameter {name} is not valid",
    }

    def __init__(
        self,
        *,
        max_length: int = 255,
        allow_blank: bool = False,
        pattern: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.max_length = max_length
        self.allow_blank = allow_blank
        self.pattern = re.compile(pattern) if pattern else None
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or isinstance(data, JsonNumber | JsonConstant):
            self.fail("invalid")
        if data == "":
            if self.allow_blank:
                return data
            self.fail("blank")
        if len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        if self.pattern is not None and not self.pattern.match(data):
            self.fail("pattern", value=data)
        return str.__str__(data)


class AccountIdParam(StringParam):
    """A sub-account id: 1-255 of `A-Z a-z 0-9 _ -`. `allow_blank=True` lets `""` name the main account."""

    default_error_messages = {
        "pattern": "Parameter {name} should be 1 to 255 characters from A-Z, a-z, 0-9, _ and -",
        "blank": "Parameter {name} should be a sub-account id, not the main account",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(pattern=r"^[A-Za-z0-9_-]+$", **kwargs)


class CurrencyParam(StringParam):
    """A currency code (`BTC`). Whether the exchange lists it is for the service to say."""

    default_error_messages = {
        "pattern": "Unsupported currency {value}",
        "max_length": "Unsupported currency",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=10, pattern=r"^[A-Z0-9]+$", **kwargs)


class PairParam(StringParam):
    """A pair id, `BASE-QUOTE` in upper case (`BTC-USD`). Whether it exists is for the service to say."""

    default_error_messages = {
        "pattern": "Unsupported pair {value}",
        "max_length": "Unsupported pair",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=21, pattern=r"^[A-Z0-9]{1,10}-[A-Z0-9]{1,10}$", **kwargs)


class ChoiceParam(StringParam):
    """One of fixed strings. Override texts per field, e.g.
    `ChoiceParam(choices=("BUY", "SELL"), error_messages={"required": SIDE_TEXT, "invalid_choice": SIDE_TEXT})`.
    """

    default_error_messages = {"invalid_choice": "Parameter {name} should be one of {choices}"}

    def __init__(self, *, choices: tuple[str, ...], **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or data not in self.choices:
            self.fail("invalid_choice", choices=",".join(self.choices))
        return str.__str__(data)


class BoolParam(ProtocolField):
    """A JSON boolean, strictly (`"true"` or `1` is refused: `Archived parameter should be boolean`)."""

    default_error_messages = {"invalid": "{Name} parameter should be boolean"}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ListParam(ProtocolField):
    """A JSON array whose items pass `child`; item errors speak of the list (`Unsupported currency XYZ`)."""

    default_error_messages = {
        "not_a_list": "Parameter {name} should be Array of Strings",
        "empty": "Parameter {name} should be Array of Strings",
        "duplicates": "Parameter {name} should not contain duplicates",
        "max_length": "Parameter {name} should have at most {max_length} items",
    }

    def __init__(
        self,
        *,
        child: serializers.Field,
        allow_empty: bool = True,
        unique: bool = False,
        max_length: int = 1000,
        **kwargs: Any,
    ) -> None:
        self.child = child
        self.allow_empty = allow_empty
        self.unique = unique
        self.max_length = max_length
        super().__init__(**kwargs)

    def bind(self, field_name: str, parent: Any) -> None:
        super().bind(field_name, parent)
        self.child.bind(field_name=field_name, parent=self)

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        if not data and not self.allow_empty:
            self.fail("empty")
        if len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        items = [self.child.run_validation(item) for item in data]
        if self.unique and len(set(items)) != len(items):
            self.fail("duplicates")
        return items


class Params(serializers.Serializer):
    """Base of every action's parameter schema (see the module docstring)."""


# --- validation -------------------------------------------------------------------------------------


def _first_detail(errors: Any) -> ErrorDetail | str:
    if isinstance(errors, Mapping):
        return _first_detail(next(iter(errors.values()), "Bad Request"))
    if isinstance(errors, list):
        return _first_detail(errors[0]) if errors else "Bad Request"
    return errors  # type: ignore[no-any-return]


def protocol_message(serializer: serializers.Serializer) -> str:
    """The protocol text for the first problem a validated `Params` found."""
    for field_name, problems in serializer.errors.items():
        detail = _first_detail(problems)
        if field_name == api_settings.NON_FIELD_ERRORS_KEY:
            return str(detail)
        field = serializer.fields.get(field_name)
        if isinstance(field, ProtocolField):
            return str(detail)
        code = getattr(detail, "code", None)
        if code == "required" or (code == "null" and field is not None and field.required):
            return f"Mandatory parameter {field_name} is missing"
        return f"Parameter {field_name}: {detail}"
    return "Bad Request"


def validate_params(
    params: type[serializers.Serializer] | None, data: dict[str, Any]
) -> dict[str, Any]:
    """The validated parameters (`{}` when the action declares none), or `ParameterError` (422)."""
    if params is None:
        return {}
    serializer = params(data=data)
    if not serializer.is_valid():
        raise ParameterError(protocol_message(serializer))
    return dict(serializer.validated_data)
