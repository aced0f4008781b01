"""Every answer is the protocol's envelope: ok/data on success, error/statusCode with the real status."""

import pytest
from django.test import Client

from activities.models import Activity
from common.errors import TooManyAttemptsError
from conditions.errors import PriceTickError
from gateway.envelope import DOMAIN_ERRORS, translate
from gateway.tests.conftest import SampleRefusalError, body_of
from ledger.errors import InsufficientFundsError
from trading.errors import OrderNotFoundError, TradingUnavailableError

pytestmark = pytest.mark.django_db


def test_public_success_is_200_ok_data(client: Client):
    response = client.post(
        "/api/spot/rest-public/get_server_time", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 200
    assert set(body_of(response)) == {"ok", "data"}
    assert body_of(response)["ok"] == "ok"


def test_unknown_signed_action_is_400_bad_request(signer):
    response = signer.post("no_such_action")
    assert (response.status_code, body_of(response)) == (
        400,
        {"error": "Bad Request", "statusCode": 400},
    )


def test_unknown_action_on_the_signed_door_without_a_key_asks_for_the_key_first(client: Client):
    response = client.post(
        "/api/spot/rest/no_such_action", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 401
    assert body_of(response)["statusCode"] == 401
    assert body_of(response)["error"].startswith("Authorization Failed")


def test_unknown_public_action_says_bad_request(client: Client):
    response = client.post(
        "/api/spot/rest-public/get_nothing", data=b"{}", content_type="application/json"
    )
    assert (response.status_code, body_of(response)) == (
        400,
        {"error": "Bad Request", "statusCode": 400},
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/spot/",
        "/api/spot/rest/",
        "/api/spot/rest/a/b",
        "/api/spot/rest-public/get_server_time/",
        "/api/spot/other",
    ],
)
def test_unknown_routes_under_the_gateway_answer_in_the_envelope(client: Client, path: str):
    response = client.post(path, data=b"{}", content_type="application/json")
    assert response.status_code == 400
    assert body_of(response) == {"error": "Bad Request", "statusCode": 400}


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_wrong_method_is_405_in_the_envelope(client: Client, method: str):
    response = getattr(client, method)("/api/spot/rest-public/get_server_time")
    assert response.status_code == 405
    assert body_of(response) == {"error": "Method Not Allowed", "statusCode": 405}


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"12", b"null", b"\xff\xfe", b"{'a': 1}"])
def test_malformed_or_non_object_json_is_400(client: Client, body: bytes):
    response = client.post(
        "/api/spot/rest-public/get_server_time", data=body, content_type="application/json"
    )
    assert (response.status_code, body_of(response)) == (
        400,
        {"error": "Bad Request", "statusCode": 400},
    )


def test_empty_body_counts_as_empty_object(client: Client):
    response = client.post(
        "/api/spot/rest-public/get_server_time", data=b"", content_type="application/json"
    )
    assert response.status_code == 200


def test_body_over_the_size_limit_is_413(client: Client, settings):
    settings.GATEWAY_MAX_BODY_BYTES = 100
    response = client.post(
        "/api/spot/rest-public/get_server_time",
        data=b'{"pad":"' + b"x" * 200 + b'"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert body_of(response) == {
        "error": "Request body is larger than 100 bytes",
        "statusCode": 413,
    }


def test_server_error_is_500_unexpected_error_without_exception_text(client: Client, test_actions):
    response = client.post(
        "/api/spot/rest-public/get_test_public_boom", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 500
    assert body_of(response) == {"error": "Unexpected error", "statusCode": 500}


def test_signed_server_error_is_500_and_logged_as_failed(signer, test_actions):
    response = signer.post("get_test_boom")
    assert response.status_code == 500
    assert body_of(response) == {"error": "Unexpected error", "statusCode": 500}
    row = Activity.objects.get(action="gateway.refused")
    assert (row.outcome, row.details["reason"]) == ("failed", "server_error")


def test_an_unmapped_domain_error_is_a_logged_500_without_its_text(signer, test_actions, caplog):
    response = signer.post("get_test_refuse")
    assert (response.status_code, body_of(response)) == (
        500,
        {"error": "Unexpected error", "statusCode": 500},
    )
    assert "unmapped domain error SampleRefusalError" in caplog.text
    row = Activity.objects.get(action="gateway.refused")
    assert (row.outcome, row.details["reason"]) == ("failed", "server_error")


def test_a_mapped_domain_error_answers_its_rows_status_and_text(signer, test_actions, monkeypatch):
    monkeypatch.setitem(DOMAIN_ERRORS, SampleRefusalError, (409, "Refused by the test"))
    response = signer.post("get_test_refuse")
    assert (response.status_code, body_of(response)) == (
        409,
        {"error": "Refused by the test", "statusCode": 409},
    )


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (OrderNotFoundError(), 422, "Order not found"),
        (TooManyAttemptsError(retry_after=5), 429, "API rate limit reached"),
        (
            PriceTickError("Price 1.5 is not a multiple"),
            422,
            "pricePrecision check failed: Price 1.5 is not a multiple",
        ),
        (InsufficientFundsError(), 400, InsufficientFundsError.default_message),
    ],
)
def test_domain_errors_leave_with_their_rows_status_and_protocol_text(error, status, text):
    failure = translate(error)
    assert (failure.status, failure.message, failure.reason) == (status, text, error.code)


def test_every_row_of_the_table_is_an_error_status_with_a_text():
    for cls, (status, _) in DOMAIN_ERRORS.items():
        exc = cls(retry_after=5) if cls is TooManyAttemptsError else cls()
        failure = translate(exc)
        assert failure.status == status, cls
        assert 400 <= status < 500 or (cls, status) == (TradingUnavailableError, 503), cls
        assert failure.message, cls
