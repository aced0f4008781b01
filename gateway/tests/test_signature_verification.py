"""Signed calls: key, timestamp window, signature over the raw body. Every failure is a 401 that ccxt reads
as AuthenticationError, is logged when the key is known, and changes nothing else."""

import pytest

from activities.models import Activity
from gateway.tests.conftest import ORDER, Signer, body_of, gateway_rows, issue

pytestmark = pytest.mark.django_db

AUTH_TEXT = "key not passed or incorrect"


def test_valid_signed_call_succeeds(signer: Signer):
    response = signer.post("get_server_time")
    assert response.status_code == 200
    assert body_of(response)["ok"] == "ok"


def _assert_refused(response, reason_text: str) -> None:
    assert response.status_code == 401
    body = body_of(response)
    assert AUTH_TEXT in body["error"]
    assert body["error"].startswith("Authorization Failed")
    assert reason_text in body["error"]
    assert body["statusCode"] == 401


def test_tampered_body_is_refused_and_logged(signer: Signer, test_actions):
    signed = b'{"accountId":"sub1","pair":"BTC-USD","amount":"0.5"}'
    sent = b'{"accountId":"sub1","pair":"BTC-USD","amount":"50"}'
    response = signer.post("do_test_trade", body=sent, signed_body=signed)
    _assert_refused(response, "invalid signature")
    row = gateway_rows().get()
    assert (row.action, row.outcome, row.details["reason"]) == (
        "gateway.refused",
        "refused",
        "bad_signature",
    )
    assert not Activity.objects.filter(action="order.placed").exists()


def test_whitespace_change_in_body_breaks_the_signature(signer: Signer):
    response = signer.post("get_server_time", body=b"{ }", signed_body=b"{}")
    _assert_refused(response, "invalid signature")


def test_tampered_action_name_is_refused(signer: Signer, test_actions):
    response = signer.post("do_test_trade", ORDER, signed_action="get_test_read")
    _assert_refused(response, "invalid signature")
    assert not Activity.objects.filter(action="order.placed").exists()


def test_wrong_secret_is_refused(signer: Signer):
    _assert_refused(signer.post("get_server_time", secret="not-the-secret"), "invalid signature")


def test_another_keys_secret_is_refused(signer: Signer, other_user):
    _, other_secret = issue(other_user)
    _assert_refused(signer.post("get_server_time", secret=other_secret), "invalid signature")
    assert Activity.objects.filter(action="gateway.refused").count() == 1


@pytest.mark.parametrize("skew", [-21, 21, -3600, 10**6])
def test_timestamp_outside_the_window_is_refused(signer: Signer, frozen_clock: int, skew: int):
    response = signer.post("get_server_time", timestamp=frozen_clock + skew)
    _assert_refused(response, "timestamp not in 20sec range")
    assert gateway_rows().get().details["reason"] == "timestamp_out_of_range"


@pytest.mark.parametrize("skew", [-20, -19, 0, 19, 20])
def test_timestamp_inside_the_window_edges_included_is_accepted(
    signer: Signer, frozen_clock: int, skew: int
):
    response = signer.post("get_server_time", timestamp=frozen_clock + skew)
    assert response.status_code == 200
    assert (
        body_of(response)["data"]["timestamp"] == frozen_clock * 1000
    )  # the call saw the held clock


@pytest.mark.parametrize(("skew", "status"), [(-5, 200), (5, 200), (-6, 401), (6, 401)])
def test_window_is_configurable(
    signer: Signer, frozen_clock: int, settings, skew: int, status: int
):
    settings.GATEWAY_TIMESTAMP_WINDOW_S = 5
    response = signer.post("get_server_time", timestamp=frozen_clock + skew)
    assert response.status_code == status
    if status == 401:
        _assert_refused(response, "timestamp not in 5sec range")


@pytest.mark.parametrize("timestamp", ["abc", "1.5", "-5", "1795468314000000000"])
def test_malformed_timestamp_is_refused(signer: Signer, timestamp: str):
    _assert_refused(signer.post("get_server_time", timestamp=timestamp), "timestamp")


@pytest.mark.parametrize("missing", ["X-AGGR-KEY", "X-AGGR-TIMESTAMP", "X-AGGR-SIGNATURE"])
def test_missing_header_is_refused_without_a_row(signer: Signer, missing: str):
    response = signer.post("get_server_time", headers={missing: ""})
    assert response.status_code == 401
    assert body_of(response) == {
        "error": "Authorization Failed: key not passed or incorrect",
        "statusCode": 401,
    }
    assert not gateway_rows().exists()


@pytest.mark.parametrize("public_id", ["x" * 32, "bad id with spaces", "é" * 10])
def test_unknown_key_is_refused_without_a_row(signer: Signer, public_id: str):
    response = signer.post("get_server_time", public_id=public_id)
    _assert_refused(response, "Invalid API key")
    assert not gateway_rows().exists()


def test_inactive_key_is_refused_as_not_activated(user):
    key, secret = issue(user, active=False)
    response = Signer(key.public_id, secret).post("get_server_time")
    _assert_refused(response, "API key is not activated")
    assert Activity.objects.get(action="gateway.refused").details["reason"] == "key_inactive"


def test_signature_is_checked_over_raw_utf8_bytes(signer: Signer, test_actions):
    body = '{"accountId":"sub1","pair":"BTC-USD","amount":"1","comment":"é"}'.encode()
    escaped = b'{"accountId":"sub1","pair":"BTC-USD","amount":"1","comment":"\\u00e9"}'
    assert signer.post("get_test_read", body=body).status_code == 200
    assert signer.post("get_test_read", body=escaped).status_code == 200
    _assert_refused(
        signer.post("get_test_read", body=escaped, signed_body=body), "invalid signature"
    )
