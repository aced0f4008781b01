"""Money helpers: one amount field for the whole project, and quantizing. (The wire's formatting is
gateway/wire.py.)

Rounding: amounts a user asks for are cut (ROUND_DOWN), never rounded up into funds they do not have; fees are
rounded toward the exchange (ROUND_UP); a fill's quote amount is cut to the quote currency's precision and a
buy's hold rounded up to it (trading/core/rules.py), so nothing below a currency's precision enters a balance. `AmountField` stores exactly on PostgreSQL (NUMERIC) and on SQLite
(order-preserving text, see the class): keep money arithmetic in Python (`Decimal`), never in SQL (`F()`,
`Sum`), which the SQLite storage does not support.
"""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Context, Decimal, InvalidOperation

from django.db import models

MAX_DIGITS = 30
DECIMAL_PLACES = 12
# The largest amount a field holds: 999999999999999999.999999999999 (written out: computing it in the default
# 28-digit context would round it up to 10**18, which no field holds).
MAX_AMOUNT = Decimal("9" * (MAX_DIGITS - DECIMAL_PLACES) + "." + "9" * DECIMAL_PLACES)


_SCALE = Decimal(1).scaleb(-DECIMAL_PLACES)
_INTEGER_DIGITS = MAX_DIGITS - DECIMAL_PLACES
_SPAN = 10**MAX_DIGITS  # scaled amounts lie strictly between -_SPAN and _SPAN
# Room for every digit an amount has (the default context's 28 would round the largest ones).
_EXACT = Context(prec=MAX_DIGITS + 4)


def sqlite_encode(value: Decimal) -> str:
    """An amount as SQLite stores it: fixed-width text whose byte order is the numbers' order.

    `p000000000000000012.345000000000` for 12.345; a negative amount is `n` and the complement of its scaled
    value to 10**30 - 1, so more negative sorts lower and every `n…` sorts below every `p…`. The letter keeps
    SQLite from converting the text to REAL (its DECIMAL columns have NUMERIC affinity), and comparisons in SQL
    (filters, ORDER BY, CHECK constraints, `F()` comparisons) compare the texts, which agree with the numbers.
    """
    scaled = int(value.quantize(_SCALE, context=_EXACT).scaleb(DECIMAL_PLACES, context=_EXACT))
    if not -_SPAN < scaled < _SPAN:
        raise ValueError(f"amount {value} does not fit {MAX_DIGITS} digits")
    digits = f"{scaled if scaled >= 0 else _SPAN - 1 + scaled:0{MAX_DIGITS}d}"
    return f"{'p' if scaled >= 0 else 'n'}{digits[:_INTEGER_DIGITS]}.{digits[_INTEGER_DIGITS:]}"


def sqlite_decode(text: str) -> Decimal:
    """The inverse of `sqlite_encode`, with `DECIMAL_PLACES` decimals (as NUMERIC(30,12) answers)."""
    scaled = int(text[1:].replace(".", ""))
    if text[0] == "n":
        scaled -= _SPAN - 1
    return Decimal(scaled).scaleb(-DECIMAL_PLACES, context=_EXACT)


class AmountField(models.DecimalField):
    """A money amount: Decimal with the project-wide precision, stored exactly on every database.

    PostgreSQL: NUMERIC(30, 12), exact. SQLite has no decimal type; Django's DecimalField stores REAL there and
    loses digits past the 15th (4993267.326453854 came back as 4993267.32645385). On SQLite this field stores
    `sqlite_encode`'s fixed-width text instead, in the same column, and decodes it on the way out. Arithmetic
    and aggregation in SQL (`F("total") + x`, `Sum`) do not work on that text: do money arithmetic in Python on
    `Decimal` after locking (STYLE §6), which every service does. Comparisons and ordering in SQL do work.
    Migrations `*_exact_amounts_on_sqlite` convert rows written before (`convert_sqlite_amounts`).
    """

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

    def get_internal_type(self) -> str:
        # Not "DecimalField": the SQLite backend would convert our text as a float on the way out, and wrap
        # expressions in CAST(... AS NUMERIC). `db_type` says what the column is.
        return "AmountField"

    def db_type(self, connection):  # type: ignore[no-untyped-def]
        if connection.vendor == "sqlite":
            return (
                "decimal"  # the column as migrations always made it; it holds text (see the class)
            )
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def get_db_prep_value(self, value, connection, prepared=False):  # type: ignore[no-untyped-def]
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or connection.vendor != "sqlite":
            return super().get_db_prep_value(value, connection, prepared=True)
        if hasattr(value, "as_sql"):  # an expression: compiled as such
            return value
        return sqlite_encode(self.to_python(value))

    def from_db_value(self, value, expression, connection):  # type: ignore[no-untyped-def]
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, str) and value[:1] in ("p", "n"):
            return sqlite_decode(value)
        # A row written before the conversion (REAL or INTEGER on SQLite): what DecimalField made of it.
        if isinstance(value, float):
            value = _FLOAT_CONTEXT.create_decimal_from_float(value)
        return Decimal(value).quantize(_SCALE, context=_EXACT)


_FLOAT_CONTEXT = Context(prec=15)


def convert_sqlite_amounts(apps, schema_editor, app_label: str) -> None:  # type: ignore[no-untyped-def]
    """Migration step: rewrite every amount of `app_label`'s models stored before `AmountField` stored text on
    SQLite (REAL or INTEGER) as exact text, then rebuild those tables so their CHECK constraints compare texts
    (compiled with the old storage they compared numbers, which text always passes). No-op on PostgreSQL.

    The digits SQLite's REAL had already dropped cannot come back: a value is read as the shortest decimal
    that gives the same float, as Django read it before.
    """
    if schema_editor.connection.vendor != "sqlite":
        return
    # The old CHECK constraints compare with numbers (text never passes `<= 100`), the rebuilt ones with text
    # (a REAL never passes `>= 'p…'`): checks are off while the rows change storage, on again for the copy.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            for model in apps.get_app_config(app_label).get_models():
                _convert_model(model, schema_editor, cursor)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def _convert_model(model, schema_editor, cursor) -> None:  # type: ignore[no-untyped-def]
    fields = [f for f in model._meta.concrete_fields if isinstance(f, AmountField)]
    if not fields:
        return
    quote = schema_editor.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    cursor.execute(f"SELECT {pk}, {columns} FROM {table}")  # noqa: S608
    for row in cursor.fetchall():
        values = [
            raw
            if raw is None or (isinstance(raw, str) and raw[:1] in ("p", "n"))
            else sqlite_encode(field.from_db_value(raw, None, schema_editor.connection))
            for field, raw in zip(fields, row[1:], strict=True)
        ]
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
            [*values, row[0]],
        )
    if model._meta.constraints:
        schema_editor._remake_table(model)


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
    their currency's precision (transfers refuse such amounts, fills are cut to it), so the rounding here
    (half-even) only ever touches derived figures such as average and mid prices. The gateway keeps the
    protocol's own formats (gateway/wire.py).
    """
    return format(value.quantize(step(places), rounding=ROUND_HALF_EVEN), "f")


def plain_amount(value: Decimal) -> str:
    """The shortest fixed-point string (no trailing zeros, never exponent notation): for activity details,
    limits and rates that have no currency of their own, and editable form inputs (`1E-8` -> "0.00000001")."""
    return format(value.normalize(), "f")
