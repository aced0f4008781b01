import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, connections, models

M = TypeVar("M", bound=models.Model)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def concrete_field(model: type[models.Model], name: str) -> models.Field:  # type: ignore[type-arg]
    """The model's concrete field `name` (a column of its table), for code that writes SQL by hand."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def quoted_column(model: type[models.Model], name: str) -> str:
    """The quoted column name of the model's field `name`, for SQL written by hand (identifiers from the model's
    metadata, never from input)."""
    return str(connection.ops.quote_name(concrete_field(model, name).column))


def select_rows(model: type[M], clauses: str, params: Sequence[Any]) -> list[M]:
    """The rows of `SELECT <every column of model> FROM <its table> <clauses>`, as instances of `model` (loaded
    from the database: `_state.adding` False). `clauses` (WHERE, ORDER BY, FOR UPDATE) is SQL written from the
    models' metadata, never from input; every value is in `params`.

    For the queries that run in every batch of the matcher: `Model.objects.raw()` maps the cursor's columns to
    the model and looks up each column's converters on every call, which costs more than the query takes to
    run. Here the column list is the model's own, and it and the converters (what the backend and the fields do
    to a value on its way out, e.g. SQLite's text to Decimal or datetime) are made once per connection.
    """
    real = connections[connection.alias]
    select, names, convert = _plan(real, model)
    with real.cursor() as cursor:
        cursor.execute(f"{select} {clauses}", params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for position, converters, column in convert:
            value = values[position]
            for converter in converters:
                value = converter(value, column, real)
            values[position] = value
        found.append(model.from_db(real.alias, names, values))
    return found


_Plan = tuple[str, list[str], list[tuple[int, list[Any], Any]]]


def _plan(real: Any, model: type[models.Model]) -> _Plan:
    """The model's `SELECT <columns> FROM <table>`, its attribute names and the converters of its columns, made
    once per connection (the backend's converters are its own)."""
    plans: dict[type[models.Model], _Plan] = real.__dict__.setdefault("_select_rows_plans", {})
    plan = plans.get(model)
    if plan is None:
        fields = model._meta.concrete_fields
        quote = real.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        select = f"SELECT {columns} FROM {quote(model._meta.db_table)}"  # noqa: S608 - model names
        convert = []
        for position, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            converters = real.ops.get_db_converters(column) + column.get_db_converters(real)
            if converters:
                convert.append((position, converters, column))
        plan = plans[model] = (select, [field.attname for field in fields], convert)
    return plan


def update_rows(
    model: type[models.Model], rows: Sequence[models.Model], names: Sequence[str]
) -> None:
    """Write the fields `names` of `rows` (rows of `model` that exist) as they hold them: one plain UPDATE per
    row by primary key, sent together (`executemany`), each value through its field's `get_db_prep_save`. For
    the writes of every batch or order: `bulk_update` compiles a CASE per column first, and `save()` its own
    statement per row, which cost more than the statements take to run."""
    if not rows:
        return
    pk = model._meta.pk
    assert pk is not None
    fields = [concrete_field(model, name) for name in names]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(pk.column)} = %s"  # noqa: S608
    params = [
        [
            *(field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields),
            pk.get_db_prep_value(row.pk, connection),
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def save_row(row: models.Model) -> None:
    """`row.save()` for the rows one writer keeps and writes in every batch (a pair's market state, its book
    feed): a row loaded from the database has every column written by `update_rows`, its `auto_now` fields set
    first as `save()` sets them; a new row is saved."""
    if row._state.adding:
        row.save()
        return
    fields = [field for field in row._meta.concrete_fields if not field.primary_key]
    for field in fields:
        field.pre_save(row, False)  # sets `auto_now` fields on the row
    update_rows(type(row), [row], [field.name for field in fields])


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`, taken before its rows are written (rows that refer to each other, or
    whose text names another's id, are then built in memory first). PostgreSQL: from the table's sequence; other
    databases: after the table's largest id, which is only safe for their one writer (SQLite serialises
    writers)."""
    if count <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk.column)}), 0) FROM {quote(table)}")  # noqa: S608
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


def insert_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert `rows` of `model` in one go: a COPY on PostgreSQL, `bulk_create` elsewhere. Every value is taken
    as the row holds it (set them all: no `auto_now`); the primary key is written when the rows have one,
    left to the database when none has. For writers whose every statement counts (the trading matcher's
    batch): `bulk_create` compiles its statement and adapts every value through the ORM first, which costs
    several times what the COPY takes."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows)
        return
    pk = model._meta.pk
    with_pk = getattr(rows[0], pk.attname) is not None  # type: ignore[union-attr]
    fields = [f for f in model._meta.concrete_fields if with_pk or f is not pk]
    convert = [
        (field.attname, _json_text(field) if isinstance(field, models.JSONField) else None)
        for field in fields
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own: Django's wrapper has no COPY
        with raw.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(
                    [
                        getattr(row, name) if to_text is None else to_text(getattr(row, name))
                        for name, to_text in convert
                    ]
                )
    alias = connection.alias
    for row in rows:
        row._state.adding = False
        row._state.db = alias


def _json_text(field: models.JSONField) -> Callable[[Any], str | None]:  # type: ignore[type-arg]
    encoder = field.encoder

    def to_text(value: Any) -> str | None:
        return None if value is None else json.dumps(value, cls=encoder)

    return to_text
