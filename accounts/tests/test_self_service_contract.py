"""The self-service endpoints are in the OpenAPI schema with request, response and error shapes."""

import pytest

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/v1/auth/signup", "post"): "auth_signup",
    ("/api/v1/auth/email/verify", "post"): "auth_email_verify",
    ("/api/v1/auth/password/request", "post"): "auth_password_reset_request",
    ("/api/v1/auth/password/reset", "post"): "auth_password_reset",
    ("/api/v1/auth/password/change/", "post"): "auth_password_change",
    ("/api/v1/auth/sessions/", "get"): "auth_sessions_list",
    ("/api/v1/auth/sessions/{session_id}/end/", "post"): "auth_session_end",
    ("/api/v1/auth/sessions/end-others/", "post"): "auth_sessions_end_others",
    ("/api/v1/profile/2fa/recovery-codes/", "get"): "2fa_recovery_codes_status",
    ("/api/v1/profile/2fa/recovery-codes/", "post"): "2fa_recovery_codes_regenerate",
}


@pytest.fixture
def schema(anon_client):  # type: ignore[no-untyped-def]
    return anon_client.get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize(("path", "method"), list(OPERATIONS))
def test_every_self_service_operation_has_its_shapes(schema, path, method):
    operation = schema["paths"][path][method]

    assert operation["operationId"] == OPERATIONS[(path, method)]
    codes = set(operation["responses"])
    assert codes & {"200", "204", "401"}
    assert {"400", "429"} & codes or "403" in codes
    if method == "post" and path not in {
        "/api/v1/auth/sessions/{session_id}/end/",
        "/api/v1/auth/sessions/end-others/",
    }:
        assert "requestBody" in operation


def test_every_schema_reference_resolves(schema):
    import json
    import re

    names = set(schema["components"]["schemas"])
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema)))
    assert refs <= names


def test_the_session_end_answers_404_for_a_foreign_id_in_the_schema(schema):
    assert "404" in schema["paths"]["/api/v1/auth/sessions/{session_id}/end/"]["post"]["responses"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/login",
        "/api/v1/auth/session",
        "/api/v1/auth/password/change",
        "/_allauth/browser/v1/auth/login",
    ],
)
def test_allauths_own_login_session_and_password_change_views_are_not_mounted(path):
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve(path)
