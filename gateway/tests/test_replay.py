"""An exact repeat of a signed mutating request inside the window is refused; reads may repeat."""

import time

import pytest

from gateway.tests.conftest import ORDER, Signer, body_of, gateway_rows

pytestmark = pytest.mark.django_db


def test_replayed_mutating_call_is_refused_and_executes_once(signer: Signer, test_actions):
    now = int(time.time())
    first = signer.post("do_test_trade", ORDER, timestamp=now)
    replay = signer.post("do_test_trade", ORDER, timestamp=now)
    assert first.status_code == 200
    assert replay.status_code == 409
    assert "resend it with a fresh timestamp" in body_of(replay)["error"]
    assert gateway_rows().filter(action="order.placed").count() == 1
    refused = gateway_rows().get(action="gateway.refused")
    assert refused.details["reason"] == "replay"


def test_same_request_with_a_fresh_timestamp_is_accepted(signer: Signer, test_actions):
    now = int(time.time())
    assert signer.post("do_test_trade", ORDER, timestamp=now).status_code == 200
    assert signer.post("do_test_trade", ORDER, timestamp=now - 1).status_code == 200
    assert gateway_rows().filter(action="order.placed").count() == 2


def test_identical_reads_in_the_same_second_are_both_served(signer: Signer, test_actions):
    now = int(time.time())
    assert signer.post("get_test_read", ORDER, timestamp=now).status_code == 200
    assert signer.post("get_test_read", ORDER, timestamp=now).status_code == 200


def test_refused_mutating_call_does_not_burn_the_signature(signer: Signer, test_actions):
    now = int(time.time())
    bad = {**ORDER, "amount": "-1"}
    assert signer.post("do_test_trade", bad, timestamp=now).status_code == 422
    assert signer.post("do_test_trade", ORDER, timestamp=now).status_code == 200
