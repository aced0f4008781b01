"""Deeply nested or oversized JSON is a 400 in each door's envelope, before any parser recurses; never a 500."""

import json

import pytest

from common.json_input import JsonLimitError, check_json
from gateway.tests.conftest import Signer, issue

DEEP = b"[" * 3000
DEEP_OBJECT = b'{"a":' * 3000 + b"1" + b"}" * 3000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, b"[" * 33 + b"]" * 33])
def test_public_gateway_refuses_deep_nesting_with_a_400_envelope(client, db, body):
    response = client.post(
        "/api/spot/rest-public/get_order_book", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request", "statusCode": 400}


def test_signed_gateway_refuses_deep_nesting_with_a_400_envelope(user):
    key, secret = issue(user)
    signer = Signer(public_id=key.public_id, secret=secret)

    response = signer.post("get_my_account_status_v3", body=DEEP)

    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request", "statusCode": 400}


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, b"\xff\xfe", b"{not json"])
def test_login_refuses_unparseable_json_with_a_400_json_error(csrf_client, db, body):
    csrf_client.get("/api/v1/auth/csrf/")
    token = csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(
        "/api/v1/auth/login/", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "malformed_request"


def test_frontend_refuses_a_body_over_the_size_limit(csrf_client, db, settings):
    settings.API_MAX_BODY_BYTES = 1000
    csrf_client.get("/api/v1/auth/csrf/")
    token = csrf_client.cookies["csrftoken"].value
    body = json.dumps({"email": "a@example.com", "password": "x" * 2000})

    response = csrf_client.post(
        "/api/v1/auth/login/", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_brackets_inside_strings_do_not_count_as_nesting(settings):
    settings.JSON_MAX_DEPTH = 3
    check_json(json.dumps({"a": "[[[[[[{{{{{", "b": ['\\"[[']}).encode(), max_bytes=1000)
    with pytest.raises(JsonLimitError):
        check_json(b'{"a":[[[1]]]}', max_bytes=1000)
