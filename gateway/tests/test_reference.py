"""The trading API's reference is generated from the registry, describes every action, and its examples work."""

import io
import json
import time

import pytest
import schemathesis
from jsonschema import Draft202012Validator

from gateway import reference
from gateway.reference.actions import DOCS
from gateway.reference.shapes import example_of, missing_descriptions
from gateway.registry import PRIVATE, PUBLIC
from gateway.signing import verify

REGISTERED = sorted(set(PRIVATE) | set(PUBLIC))


def test_every_registered_action_is_documented_and_nothing_else():
    assert sorted(DOCS) == REGISTERED


@pytest.mark.parametrize("name", REGISTERED)
def test_action_has_summary_parameter_and_response_descriptions(name):
    action = PRIVATE.get(name) or PUBLIC[name]
    doc = DOCS[name]
    declared = list(action.params().fields) if action.params else []

    assert doc.summary
    assert [p for p in declared if not doc.params.get(p)] == [], "parameters without a description"
    assert [p for p in doc.params if p not in declared] == [], "described but not declared"
    assert missing_descriptions(doc.response) == []


@pytest.mark.parametrize("name", REGISTERED)
def test_documented_example_answer_has_the_documented_shape(name):
    schema = DOCS[name].response
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(example_of(schema))) == []


def test_openapi_document_has_one_operation_per_action_and_door(client, db):
    document = client.get("/api/spot/docs/openapi.json").json()

    operations = {op["post"]["operationId"]: path for path, op in document["paths"].items()}
    assert document["openapi"] == "3.1.0"
    assert {name: f"/api/spot/rest/{name}" for name in PRIVATE}.items() <= operations.items()
    assert {f"{name}_public": f"/api/spot/rest-public/{name}" for name in PUBLIC}.items() <= (
        operations.items()
    )
    assert len(operations) == len(PRIVATE) + len(PUBLIC)
    loaded = schemathesis.openapi.from_dict(document)
    assert len(list(loaded.get_all_operations())) == len(operations)


def test_openapi_parameters_carry_type_bounds_and_default_from_the_registry(client, db):
    document = client.get("/api/spot/docs/openapi.json").json()
    body = document["paths"]["/api/spot/rest/get_candles"]["post"]["requestBody"]
    properties = body["content"]["application/json"]["schema"]["properties"]

    limit = properties["limit"]["anyOf"][0]
    assert (limit["type"], limit["minimum"]) == ("integer", 1)
    assert limit["maximum"] == PRIVATE["get_candles"].params().fields["limit"].max_value
    assert properties["resolution"]["enum"]
    assert body["content"]["application/json"]["schema"]["required"] == ["dataType", "resolution"]


def test_html_reference_lists_every_action_with_permission_cost_and_refusals(client, db):
    html = client.get("/api/spot/docs/").content.decode()

    for name in REGISTERED:
        assert f'id="{name}"' in html
        assert f'href="#{name}"' in html
    assert "Rate-limit cost: 5" in html
    assert "Permission: <code>trade</code>" in html
    assert "Insufficient funds" in html
    assert "Mandatory parameter pair is missing" in html
    assert "X-AGGR-SIGNATURE: " in html


def test_worked_examples_are_correctly_signed():
    for entry in reference.entries():
        example = reference.worked_example(entry)
        if not entry.doors[0].signed:
            continue
        assert verify(
            secret=reference.EXAMPLE_SECRET.encode(),
            action=entry.name,
            timestamp=example["headers"]["X-AGGR-TIMESTAMP"],
            body=example["body"].encode(),
            signature=example["headers"]["X-AGGR-SIGNATURE"],
        )


@pytest.fixture
def demo_world(db, settings):  # type: ignore[no-untyped-def]
    """The data `make run` serves, with the documented demo key."""
    from demo.management.commands.seed_demo import SEEDERS

    settings.DEBUG = True  # the fixed, documented demo key exists only in the embedded mode
    from importlib import import_module

    for path in SEEDERS:
        import_module(path).seed(io.StringIO())


def test_every_documented_example_answers_with_the_documented_shape(client, demo_world):
    for entry in reference.entries():
        body = reference.example_body(entry.doc, now_ms=int(time.time() * 1000))
        validator = Draft202012Validator(entry.doc.response)
        for door in entry.doors:
            if door.signed:
                raw, headers = reference.signed_request(
                    entry.name,
                    body,
                    key=reference.EXAMPLE_KEY,
                    secret=reference.EXAMPLE_SECRET,
                    timestamp=str(int(time.time())),
                )
            else:
                raw, headers = json.dumps(body).encode(), {}
            response = client.post(
                door.path,
                raw,
                content_type="application/json",
                headers={k: v for k, v in headers.items() if k != "Content-Type"},
            )

            assert response.status_code == 200, (door.path, response.content)
            answer = response.json()
            assert answer["ok"] == "ok"
            errors = [e.message for e in validator.iter_errors(answer["data"])]
            assert errors == [], (door.path, errors)
