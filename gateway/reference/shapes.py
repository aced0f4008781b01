"""A few builders for the JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the actions' answers.

Every builder takes a description and an example, so a shape cannot be written without saying what it is, and
`example_of` can build a whole worked answer from the shape. Objects are closed (`additionalProperties: false`):
a field the handler adds without documenting it fails the contract test.
"""

from typing import Any

Schema = dict[str, Any]

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


def _typed(kind: str, description: str, example: Any, nullable: bool, **extra: Any) -> Schema:
    return {
        "type": [kind, "null"] if nullable else kind,
        "description": description,
        "examples": [example],
        **extra,
    }


def text(description: str, example: Any, *, nullable: bool = False, **extra: Any) -> Schema:
    return _typed("string", description, example, nullable, **extra)


def decimal(description: str, example: str | None, *, nullable: bool = False) -> Schema:
    """A fixed-point number written as a string (never exponent notation)."""
    return _typed("string", description, example, nullable, pattern=DECIMAL_PATTERN)


def integer(description: str, example: int | None, *, nullable: bool = False) -> Schema:
    return _typed("integer", description, example, nullable)


def number(description: str, example: float | int) -> Schema:
    return _typed("number", description, example, False)


def boolean(description: str, example: bool) -> Schema:
    return _typed("boolean", description, example, False)


def choice(description: str, values: tuple[str, ...], example: str | None = None) -> Schema:
    return {
        "type": "string",
        "enum": list(values),
        "description": description,
        "examples": [example or values[0]],
    }


def array(description: str, items: Schema) -> Schema:
    return {"type": "array", "description": description, "items": items}


def obj(
    description: str, properties: dict[str, Schema], *, optional: tuple[str, ...] = ()
) -> Schema:
    unknown = set(optional) - set(properties)
    if unknown:
        raise ValueError(f"optional fields {sorted(unknown)} are not properties")
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def mapping(description: str, key_example: str, values: Schema) -> Schema:
    """An object keyed by data (a pair, a currency, an account), every value of one shape."""
    return {
        "type": "object",
        "description": description,
        "additionalProperties": values,
        "x-key-example": key_example,
    }


def one_of(description: str, *schemas: Schema) -> Schema:
    return {"description": description, "oneOf": list(schemas)}


def example_of(schema: Schema) -> Any:
    """A worked value built from the shape's own examples."""
    if "oneOf" in schema:
        return example_of(schema["oneOf"][0])
    kind = schema.get("type")
    if kind == "object":
        if "properties" in schema:
            return {name: example_of(prop) for name, prop in schema["properties"].items()}
        return {schema["x-key-example"]: example_of(schema["additionalProperties"])}
    if kind == "array":
        return [example_of(schema["items"])]
    return schema["examples"][0]


def missing_descriptions(schema: Schema, path: str = "data") -> list[str]:
    """Every place in the shape without a description (the reference test refuses any)."""
    found = [] if schema.get("description") else [path]
    for name, prop in schema.get("properties", {}).items():
        found += missing_descriptions(prop, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        found += missing_descriptions(schema["additionalProperties"], f"{path}.*")
    if "items" in schema:
        found += missing_descriptions(schema["items"], f"{path}[]")
    for index, option in enumerate(schema.get("oneOf", [])):
        found += missing_descriptions(option, f"{path}|{index}")
    return found
