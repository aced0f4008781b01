"""The frontend schema says what the server does: list envelopes, paging parameters, error codes, media types."""

import pytest
from rest_framework.test import APIClient

from common.openapi import error_codes
from config.frontend_errors import FRONTEND_ERRORS

LISTS = [
    "/api/v1/trading/orders/",
    "/api/v1/trading/trades/",
    "/api/v1/ledger/transactions/",
    "/api/v1/ledger/funding/",
    "/api/v1/activities/",
]


@pytest.fixture
def schema(client, db):  # type: ignore[no-untyped-def]
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _resolve(schema, ref_or_schema):  # type: ignore[no-untyped-def]
    ref = ref_or_schema.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


@pytest.mark.parametrize("path", LISTS)
def test_paginated_lists_document_their_envelope_and_paging_parameters(schema, path):
    operation = schema["paths"][path]["get"]
    body = _resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])

    assert set(body["properties"]) == {"next", "results"}
    assert body["properties"]["results"]["type"] == "array"
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["cursor"]["schema"]["type"] == "string"
    assert parameters["page_size"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 500,
        "default": 50,
    }


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "501", "1.5", "٣"])
def test_bad_page_size_is_refused_with_400_naming_the_parameter(api_client, path, page_size):
    response = api_client.get(path, {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "page_size" in response.json()["error"]["details"]


def test_a_good_page_size_pages(api_client):
    response = api_client.get("/api/v1/activities/", {"page_size": "500"})

    assert response.status_code == 200
    assert set(response.json()) == {"next", "results"}


def test_cancel_documents_404_order_not_found_and_answers_it(schema, api_client):
    responses = schema["paths"]["/api/v1/trading/orders/{order_id}/cancel/"]["post"]["responses"]
    body = _resolve(schema, responses["404"]["content"]["application/json"]["schema"])
    codes = _resolve(schema, body["properties"]["error"])["properties"]["code"]["enum"]

    response = api_client.post("/api/v1/trading/orders/999999/cancel/")

    assert "order_not_found" in codes
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"


def test_export_csv_is_typed_text_csv(schema):
    ok = schema["paths"]["/api/v1/activities/export.csv"]["get"]["responses"]["200"]

    assert list(ok["content"]) == ["text/csv"]


def test_every_domain_error_code_is_in_its_status_enum(schema):
    components = schema["components"]["schemas"]
    for cls, status in FRONTEND_ERRORS.items():
        enum = components[f"Error{status}Body"]["properties"]["code"]["enum"]
        assert cls.code in enum, cls


def test_drf_codes_are_listed_under_the_status_they_leave_with():
    codes = error_codes()

    assert "invalid" in codes[400]
    assert "malformed_request" in codes[400]
    assert {"not_authenticated", "csrf_failed", "permission_denied"} <= set(codes[403])


def test_every_error_response_lists_its_codes_as_an_enum(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "auth (allauth)" in operation.get("tags", []):
                continue  # allauth's headless views answer in allauth's own envelope (accounts/openapi.py)
            for status, response in operation["responses"].items():
                if not status.startswith("4"):
                    continue
                body = _resolve(schema, response["content"]["application/json"]["schema"])
                code = _resolve(schema, body["properties"]["error"])["properties"]["code"]
                assert code["enum"], (method, path, status)


def test_decimal_examples_are_realistic(schema):
    place = schema["components"]["schemas"]["OrderPlaceInputRequest"]["properties"]

    assert place["price"]["example"] == "97250.5"
    assert place["pair"]["example"] == "BTC-USD"


def test_csrf_failure_on_login_is_json_403(db):
    client = APIClient(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/auth/login/", {"email": "a@example.com", "password": "x"}, format="json"
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "csrf_failed"
    assert response.json()["request_id"]


def test_csrf_failure_on_a_session_endpoint_is_json_403(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/api/v1/profile/2fa/enrol/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_not_logged_in_is_json_403_not_authenticated(db):
    response = APIClient().get("/api/v1/profile/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_assets_from_our_static_files(client, db, path):
    html = client.get(path).content.decode()

    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html
    assert "unpkg" not in html
