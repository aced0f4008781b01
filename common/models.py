from django.db import connection, models


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
