"""The secret is in the creation response and nowhere else: not in later responses, pages, activity rows, logs,
the cache or any database table."""

import base64
import logging
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import otp_login
from activities.models import Activity
from apikeys.models import ApiKey
from apikeys.tests.factories import totp_code


def all_cells():  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield from ((table, cell) for cell in row)


def contains(cell, secret: str) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(cell, memoryview | bytes | bytearray):
        return secret.encode() in bytes(cell)
    return secret in str(cell)


@pytest.fixture
def created(api_client, totp_user, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            reverse("api-keys"),
            {
                "name": "Shown once",
                "permissions": ["trade"],
                "code": totp_code(totp_user),
            },
            format="json",
        )
    assert response.status_code == 201
    data = response.json()
    return data["key_id"], data["secret"]


def test_no_later_response_shows_the_secret(
    api_client, created, django_capture_on_commit_callbacks
):
    key_id, secret = created
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            api_client.get(reverse("api-keys")),
            api_client.get(reverse("api-key", args=[key_id])),
            api_client.patch(reverse("api-key", args=[key_id]), {"name": "Renamed"}, format="json"),
            api_client.post(reverse("api-key-activation", args=[key_id])),
            api_client.post(reverse("api-key-deactivate", args=[key_id])),
            api_client.get(reverse("activity-list")),
            api_client.get(reverse("activity-export")),
            api_client.get("/api/schema/"),
        ]
    for response in responses:
        assert response.status_code < 400, response.content
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert secret.encode() not in content
        assert b'"secret"' not in content or response.request["PATH_INFO"] == "/api/schema/"
    assert all(secret not in message.body for message in mail.outbox)


def test_activity_rows_never_hold_the_secret(created):
    _, secret = created
    rows = list(Activity.objects.values_list("details", "api_key"))
    assert rows
    assert all(secret not in str(row) for row in rows)


def test_logs_and_sql_never_hold_the_secret(
    api_client, totp_user, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    # Capturing queries turns on Django's SQL debug logging too, so the statements and their parameters are
    # in the log we search.
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api_client.post(
            reverse("api-keys"),
            {
                "name": "Logged",
                "permissions": ["trade"],
                "code": totp_code(totp_user),
            },
            format="json",
        )
        key_id = response.json()["key_id"]
        api_client.post(reverse("api-key-activation", args=[key_id]))
    secret = response.json()["secret"]

    assert any(record.name == "django.db.backends" for record in caplog.records)
    assert secret not in caplog.text
    assert all(secret not in query["sql"] for query in queries.captured_queries)


def test_no_database_table_holds_the_plaintext_secret(created):
    _, secret = created
    assert ApiKey.objects.filter(public_id=created[0]).exists()
    leaks = [table for table, cell in all_cells() if cell is not None and contains(cell, secret)]
    assert leaks == []


def test_the_admin_never_shows_the_secret_or_its_ciphertext(created, client, staff_user):
    key_id, secret = created
    key = ApiKey.objects.get(public_id=key_id)
    ciphertext = bytes(key.secret_encrypted)
    otp_login(client, staff_user)
    pages = [
        client.get(reverse("admin:apikeys_apikey_changelist")),
        client.get(reverse("admin:apikeys_apikey_changelist"), {"q": key_id}),
        client.get(reverse("admin:apikeys_apikey_change", args=[key.pk])),
        client.get(reverse("admin:activities_activity_changelist")),
    ]
    forms_of_ciphertext = [
        ciphertext.hex(),
        base64.b64encode(ciphertext).decode(),
        repr(ciphertext)[2:40],
        "secret_encrypted",
        "Secret encrypted",
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert key_id in html or page is pages[-1]
        assert secret not in html
        for form in forms_of_ciphertext:
            assert form not in html
    assert re.search(r"Shown once", pages[2].content.decode())


def test_str_and_repr_of_a_key_hold_neither_secret_nor_ciphertext(created):
    key_id, secret = created
    key = ApiKey.objects.get(public_id=key_id)
    for text in (str(key), repr(key)):
        assert secret not in text
        assert bytes(key.secret_encrypted).hex()[:16] not in text
