"""Every answer is the protocol's envelope: ok/data on success, error/statusCode with the real status."""

import pytest
from django.test import Client

from activities.models import Activity
from common.errors import DomainError
from gateway.envelope import DOMAIN_ERRORS, translate
from gateway.tests.conftest import body_of

pytestmark = pytest.mark.django_db


def test_public_success_is_200_ok_data(client: Client):
    response = client.post(
        "/api/spot/rest-public/get_server_time", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 200
    assert set(body_of(response)) == {"ok", "data"}
    assert body_of(response)["ok"] == "ok"


@pytest.mark.parametrize("route", ["rest-public", "rest"])
def test_unknown_action_is_400_bad_request(client: Client, route: str):
    response = client.post(
        f"/api/spot/{route}/no_such_action", data=b"{}", content_type="application/json"
    )
    assert response.status_code in (400, 401)  # the signed door asks for the key first
    body = body_of(response)
    assert body["statusCode"] == response.status_code
    assert "detail" not in body


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


def test_unlisted_domain_error_is_400_with_its_message(signer, test_actions):
    response = signer.post("get_test_refuse")
    assert response.status_code == 400
    assert body_of(response) == {"error": "The test action refuses.", "statusCode": 400}


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def test_every_domain_error_translates_to_an_error_status_and_a_text():
    for cls in [DomainError, *_all_subclasses(DomainError)]:
        try:
            exc = cls()
        except TypeError:
            exc = cls(retry_after=5)  # TooManyAttemptsError-like signatures
        failure = translate(exc)
        assert 400 <= failure.status < 500, cls
        assert failure.message, cls
        assert failure.reason == cls.code


def test_domain_error_table_uses_error_statuses():
    assert all(400 <= status < 600 for status, _ in DOMAIN_ERRORS.values())
