"""The trading API's reference, generated from the action registry (gateway/registry.py) so it cannot drift:
every registered action with its door, permission, rate-limit cost, parameters (type, bounds, default, from the
real `Params` fields), answer shape, a worked signed request and its answer, and the refusal texts.

Served as HTML at /api/spot/docs/ and as OpenAPI 3.1 (one operation per action and door) at
/api/spot/docs/openapi.json. What the registry cannot know (descriptions, shapes, examples) is in
gateway/reference/actions.py.
"""

import json
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from common.errors import DomainError
from gateway import envelope
from gateway.errors import AUTH_FAILED, ReplayError
from gateway.params import (
    BoolParam,
    ChoiceParam,
    DateTimeParam,
    DecimalParam,
    IntParam,
    ListParam,
    ProtocolField,
    StringParam,
    TimestampMsParam,
)
from gateway.reference.actions import DOCS, NOW_MS, ActionDoc
from gateway.reference.shapes import Schema, example_of
from gateway.registry import PRIVATE, PUBLIC, Action
from gateway.signing import sign

# The demo bot's documented key (README; exists only in the embedded mode) signs the worked examples.
EXAMPLE_KEY = "demo-key-0123456789abcdefghijklmnopq"
EXAMPLE_SECRET = "demo-secret-do-not-use-in-production-2026"  # noqa: S105 - documented demo secret
EXAMPLE_TIMESTAMP = "1764460800"  # 2025-11-30T00:00:00Z
EXAMPLE_NOW_MS = int(EXAMPLE_TIMESTAMP) * 1000


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    schema: Schema
    required: bool
    default: Any
    bounds: str
    description: str


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    text: str


@dataclass(frozen=True, slots=True)
class Door:
    path: str
    signed: bool


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    doc: ActionDoc
    action: Action
    doors: tuple[Door, ...]
    parameters: tuple[Parameter, ...]
    refusals: tuple[Refusal, ...]

    @property
    def mutates(self) -> bool:
        return self.action.mutates


def _field_schema(field: serializers.Field) -> tuple[Schema, list[str]]:
    """JSON Schema and human bounds of one protocol field (most specific class first)."""
    bounds: list[str] = []
    if isinstance(field, ListParam):
        item, item_bounds = _field_schema(field.child)
        schema: Schema = {"type": "array", "items": item, "maxItems": field.max_length}
        bounds.append(f"at most {field.max_length} items")
        if not field.allow_empty:
            schema["minItems"] = 1
            bounds.append("not empty")
        if field.unique:
            schema["uniqueItems"] = True
            bounds.append("no duplicates")
        bounds += [f"each {b}" for b in item_bounds]
        return schema, bounds
    if isinstance(field, ChoiceParam):
        return {"type": "string", "enum": list(field.choices)}, [
            "one of " + ", ".join(repr(c) if c == "" else c for c in field.choices)
        ]
    if isinstance(field, StringParam):
        schema = {"type": "string", "maxLength": field.max_length}
        bounds.append(f"at most {field.max_length} characters")
        if not field.allow_blank:
            schema["minLength"] = 1
        if field.pattern is not None:
            schema["pattern"] = field.pattern.pattern
            bounds.append(f"matches {field.pattern.pattern}")
        return schema, bounds
    if isinstance(field, DateTimeParam):
        return {
            "oneOf": [{"type": "string", "format": "date-time"}, {"type": "integer", "minimum": 0}]
        }, ["ISO 8601, or epoch milliseconds"]
    if isinstance(field, TimestampMsParam | IntParam):
        schema = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
            bounds.append(f">= {field.min_value}")
        if field.max_value is not None:
            schema["maximum"] = field.max_value
            bounds.append(f"<= {field.max_value}")
        if isinstance(field, TimestampMsParam):
            bounds.insert(0, "epoch milliseconds")
        return schema, bounds
    if isinstance(field, DecimalParam):
        bounds += ["> 0" if field.positive else ">= 0", f"at most {field.max_places} decimals"]
        bounds.append("no exponent notation")
        return {
            "type": ["string", "number"],
            "pattern": r"^\d+(\.\d+)?$",
            "description": "A decimal, as a string (preferred) or a JSON number.",
        }, bounds
    if isinstance(field, BoolParam):
        return {"type": "boolean"}, ["JSON true or false"]
    raise TypeError(f"no reference mapping for {type(field).__name__}")


def _parameters(action: Action, doc: ActionDoc) -> tuple[Parameter, ...]:
    if action.params is None:
        return ()
    found = []
    for name, field in action.params().fields.items():
        schema, bounds = _field_schema(field)
        if getattr(field, "allow_null", False):
            schema = {"anyOf": [schema, {"type": "null"}]}
        default = None if field.default is serializers.empty else field.default
        found.append(
            Parameter(
                name=name,
                schema=schema,
                required=field.required,
                default=default,
                bounds="; ".join(bounds),
                description=doc.params.get(name, ""),
            )
        )
    return tuple(found)


def _can_fail(field: ProtocolField, key: str) -> bool:
    """Whether `field` can really give its `key` message (subclasses inherit texts they never use)."""
    if key == "required":
        return bool(field.required)
    if key == "null":
        return not field.required and not field.allow_null
    if isinstance(field, ChoiceParam):
        return key == "invalid_choice"
    if isinstance(field, ListParam):
        return key in {"not_a_list", "max_length"} or (
            (key == "empty" and not field.allow_empty) or (key == "duplicates" and field.unique)
        )
    if isinstance(field, StringParam):
        return not (
            (key == "pattern" and field.pattern is None) or (key == "blank" and field.allow_blank)
        )
    if isinstance(field, DecimalParam):
        return key != ("negative" if field.positive else "not_positive")
    if isinstance(field, IntParam):
        return not (
            (key == "min_value" and field.min_value is None)
            or (key == "max_value" and field.max_value is None)
        )
    return True


def _texts(name: str, field: serializers.Field) -> list[str]:
    if not isinstance(field, ProtocolField):
        return []
    texts = []
    for key, message in field.error_messages.items():
        if not _can_fail(field, key):
            continue
        texts.append(
            str(message).format(
                name=name,
                Name=name[:1].upper() + name[1:],
                max_places=getattr(field, "max_places", ""),
                max_length=getattr(field, "max_length", ""),
                limit=getattr(field, "max_value" if key == "max_value" else "min_value", ""),
                choices=",".join(getattr(field, "choices", ())),
                value="<value>",
            )
        )
    if isinstance(field, ListParam):
        texts += [t for t in _texts(name, field.child) if "is missing" not in t]
    return texts


def _field_refusals(action: Action) -> list[Refusal]:
    if action.params is None:
        return []
    texts = [t for name, f in action.params().fields.items() for t in _texts(name, f)]
    return [Refusal(422, text) for text in dict.fromkeys(texts)]


def _domain_refusal(item: type[Exception] | Exception | str) -> Refusal:
    if isinstance(item, str):
        return Refusal(200 if item.startswith("(answered 200") else 422, item)
    error = item() if isinstance(item, type) else item
    if not isinstance(error, DomainError):
        raise TypeError(f"{item!r} is not a DomainError")
    failure = envelope.translate(error)
    return Refusal(failure.status, failure.message)


def _pipeline_refusals(action: Action, *, signed: bool) -> list[Refusal]:
    found = [Refusal(400, "Bad Request")]
    if signed:
        found += [
            Refusal(401, f"{AUTH_FAILED} (<reason>)"),
            Refusal(
                403,
                "the key lacks the action's permission, or the address is outside its whitelist",
            ),
        ]
        if action.mutates:
            found.append(Refusal(409, ReplayError().message))
    found += [Refusal(413, "Request body is larger than <GATEWAY_MAX_BODY_BYTES> bytes")]
    found.append(Refusal(429, envelope.RATE_LIMIT_TEXT))
    return found


def entries() -> list[Entry]:
    """Every registered action, in the reference's order (documented ones first, in DOCS order)."""
    names = list(dict.fromkeys([*DOCS, *PRIVATE, *PUBLIC]))
    found = []
    for name in names:
        action = PRIVATE.get(name) or PUBLIC.get(name)
        if action is None:
            continue  # documented but not registered: the reference test reports it
        doc = DOCS.get(name) or ActionDoc("", {}, {})
        doors = []
        if name in PRIVATE:
            doors.append(Door(f"/api/spot/rest/{name}", signed=True))
        if name in PUBLIC:
            doors.append(Door(f"/api/spot/rest-public/{name}", signed=False))
        refusals = [
            *_field_refusals(action),
            *(_domain_refusal(item) for item in doc.refusals),
            *_pipeline_refusals(action, signed=name in PRIVATE),
        ]
        found.append(
            Entry(
                name=name,
                doc=doc,
                action=action,
                doors=tuple(doors),
                parameters=_parameters(action, doc),
                refusals=tuple(dict.fromkeys(refusals)),
            )
        )
    return found


def example_body(doc: ActionDoc, *, now_ms: int = EXAMPLE_NOW_MS) -> dict[str, Any]:
    """The worked example's parameters, with `NOW_MS` placeholders set to `now_ms`."""
    return {key: now_ms if value == NOW_MS else value for key, value in doc.example.items()}


def signed_request(
    name: str, body: dict[str, Any], *, key: str, secret: str, timestamp: str
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, separators=(",", ":")).encode()
    signature = sign(secret=secret.encode(), action=name, timestamp=timestamp, body=raw)
    headers = {
        "Content-Type": "application/json",
        "X-AGGR-KEY": key,
        "X-AGGR-TIMESTAMP": timestamp,
        "X-AGGR-SIGNATURE": signature,
    }
    return raw, headers


def worked_example(entry: Entry) -> dict[str, Any]:
    door = entry.doors[0]
    body = example_body(entry.doc)
    if door.signed:
        raw, headers = signed_request(
            entry.name, body, key=EXAMPLE_KEY, secret=EXAMPLE_SECRET, timestamp=EXAMPLE_TIMESTAMP
        )
    else:
        raw, headers = (
            json.dumps(body, separators=(",", ":")).encode(),
            {"Content-Type": "application/json"},
        )
    return {
        "method": "POST",
        "path": door.path,
        "headers": headers,
        "body": raw.decode(),
        "answer": {"ok": "ok", "data": example_of(entry.doc.response)}
        if entry.doc.response
        else None,
    }


# --- OpenAPI 3.1 ------------------------------------------------------------------------------------

ERROR_SCHEMA: Schema = {
    "type": "object",
    "required": ["error", "statusCode"],
    "properties": {
        "error": {"type": "string", "description": "The protocol's error text."},
        "statusCode": {"type": "integer", "description": "The HTTP status, repeated."},
    },
}


def _operation(entry: Entry, door: Door) -> dict[str, Any]:
    properties = {}
    for parameter in entry.parameters:
        schema = dict(parameter.schema)
        schema["description"] = " ".join(
            part
            for part in (parameter.description, parameter.bounds and f"({parameter.bounds})")
            if part
        )
        if parameter.default is not None:
            schema["default"] = parameter.default
        properties[parameter.name] = schema
    request_schema: Schema = {"type": "object", "properties": properties}
    required = [p.name for p in entry.parameters if p.required]
    if required:
        request_schema["required"] = required
    example = example_body(entry.doc)
    ok = {
        "type": "object",
        "required": ["ok", "data"],
        "properties": {"ok": {"const": "ok"}, "data": entry.doc.response},
    }
    errors: dict[int, list[str]] = {}
    for refusal in entry.refusals:
        if refusal.status != 200:
            errors.setdefault(refusal.status, []).append(refusal.text)
    responses: dict[str, Any] = {
        "200": {
            "description": entry.doc.response.get("description", ""),
            "content": {
                "application/json": {
                    "schema": ok,
                    "example": {"ok": "ok", "data": example_of(entry.doc.response)},
                }
            },
        }
    }
    for status, texts in sorted(errors.items()):
        responses[str(status)] = {
            "description": "; ".join(f"`{t}`" for t in texts),
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
    operation: dict[str, Any] = {
        "operationId": entry.name if door.signed else f"{entry.name}_public",
        "summary": entry.doc.summary,
        "description": (
            f"Permission: {entry.action.permission}. Rate-limit cost: {entry.action.cost} point(s). "
            + (
                "Mutating: an identical signed request is refused as a replay."
                if entry.mutates
                else ""
            )
        ).strip(),
        "tags": ["signed" if door.signed else "public"],
        "x-permission": entry.action.permission if door.signed else None,
        "x-cost": entry.action.cost,
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": request_schema, "example": example}},
        },
        "responses": responses,
    }
    if door.signed:
        operation["security"] = [{"key": [], "timestamp": [], "signature": []}]
    else:
        operation["security"] = []
    return operation


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for entry in entries():
        for door in entry.doors:
            paths[door.path] = {"post": _operation(entry, door)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trading API (CEX.IO Spot Trading REST compatible)",
            "version": "1.0.0",
            "description": (
                "Signed calls carry X-AGGR-KEY, X-AGGR-TIMESTAMP (Unix seconds) and X-AGGR-SIGNATURE = "
                "base64(HMAC-SHA256(secret, action + timestamp + raw body)). Answers are "
                '`{"ok": "ok", "data": …}` or `{"error": "<text>", "statusCode": N}`.'
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-AGGR-KEY"},
                "timestamp": {"type": "apiKey", "in": "header", "name": "X-AGGR-TIMESTAMP"},
                "signature": {"type": "apiKey", "in": "header", "name": "X-AGGR-SIGNATURE"},
            }
        },
        "paths": paths,
    }
