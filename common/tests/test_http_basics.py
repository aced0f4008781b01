"""Health endpoint, request ids, JSON errors, OpenAPI schema."""

import logging

import pytest
from django.test import override_settings
from django.urls import reverse


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"


def test_healthz_checks_redis_when_configured(client, db, settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL not set")

    assert client.get("/healthz").json()["checks"]["redis"] == "ok"


def test_every_response_carries_a_request_id_and_errors_repeat_it(api_client, user):
    response = api_client.get(reverse("activity-list"), {"period": "nope"})

    assert response.status_code == 400
    assert len(response["X-Request-ID"]) >= 8
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(client, db):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123-def-456")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")

    assert kept["X-Request-ID"] == "abc-123-def-456"
    assert "<" not in replaced["X-Request-ID"]


def test_log_lines_carry_the_request_id(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no/such/page", HTTP_X_REQUEST_ID="req-0123456789")

    assert response.status_code == 404
    assert any(getattr(r, "request_id", None) == "req-0123456789" for r in caplog.records)


@override_settings(DEBUG=False)
def test_unknown_urls_get_a_json_404(client, db):
    response = client.get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@override_settings(DEBUG=False)
def test_a_crash_is_a_json_500_without_the_exception_text(client, db, monkeypatch):
    from activities.api import views

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "activity_list", boom)
    client.raise_request_exception = False
    from accounts.services import user_create

    user = user_create(email="x@example.com", password="pw-12345678")
    client.force_login(user)

    response = client.get(reverse("activity-list"))

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert b"secret internals" not in response.content


def test_openapi_schema_documents_every_frontend_endpoint_and_its_errors(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/login/",
        "/api/v1/auth/logout/",
        "/api/v1/profile/",
        "/api/v1/profile/2fa/enrol/",
        "/api/v1/profile/2fa/confirm/",
        "/api/v1/profile/2fa/disable/",
        "/api/v1/profile/2fa/",
        "/api/v1/activities/",
        "/api/v1/activities/export.csv",
    ]:
        assert path in paths, path
    for path, operations in paths.items():
        if not path.startswith("/api/v1/") or path == "/api/v1/auth/csrf/":
            continue
        for method, operation in operations.items():
            assert "400" in operation["responses"], (method, path)
    assert "Error400" in schema["components"]["schemas"]


def test_swagger_ui_is_served(client, db):
    assert client.get("/api/docs/").status_code == 200


def test_openapi_schema_is_valid_and_free_of_warnings(db, tmp_path):
    from django.core.management import call_command

    # --fail-on-warn turns component name clashes (which silently drop serializers) into a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    assert (tmp_path / "schema.yml").stat().st_size > 10_000
