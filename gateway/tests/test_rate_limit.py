"""Points per calendar minute: per key for signed calls, per client IP for public calls; 429 when spent."""

import pytest
from django.test import Client

from gateway import throttling
from gateway.errors import RateLimitedError
from gateway.tests.conftest import ORDER, Signer, body_of, gateway_rows, issue

pytestmark = pytest.mark.django_db


def test_private_calls_spend_the_actions_cost_and_say_what_is_left(
    signer: Signer, test_actions, settings
):
    settings.GATEWAY_RATE_LIMIT_PRIVATE = 12
    first = signer.post("get_test_read", ORDER)  # cost 5
    assert first["X-RateLimit-Limit"] == "12"
    assert first["X-RateLimit-Remaining"] == "7"
    assert 1 <= int(first["X-RateLimit-Reset"]) <= 60
    assert signer.post("get_test_read", ORDER)["X-RateLimit-Remaining"] == "2"
    refused = signer.post("get_test_read", ORDER)
    assert refused.status_code == 429
    assert body_of(refused) == {"error": "API rate limit reached", "statusCode": 429}
    assert refused["X-RateLimit-Remaining"] == "0"
    assert refused["Retry-After"] == refused["X-RateLimit-Reset"]
    assert (
        gateway_rows().filter(action="gateway.refused", details__reason="rate_limited").count() == 1
    )


def test_limit_is_per_key(user, signer: Signer, settings):
    settings.GATEWAY_RATE_LIMIT_PRIVATE = 1
    key, secret = issue(user, name="second")
    assert signer.post("get_server_time").status_code == 200
    assert signer.post("get_server_time").status_code == 429
    assert Signer(key.public_id, secret).post("get_server_time").status_code == 200


def test_public_calls_are_limited_per_client_ip(client: Client, settings):
    settings.GATEWAY_RATE_LIMIT_PUBLIC = 2

    def call(ip: str):
        return client.post(
            "/api/spot/rest-public/get_server_time",
            data=b"{}",
            content_type="application/json",
            REMOTE_ADDR=ip,
        )

    assert call("192.0.2.1")["X-RateLimit-Remaining"] == "1"
    assert call("192.0.2.1").status_code == 200
    refused = call("192.0.2.1")
    assert refused.status_code == 429
    assert body_of(refused)["error"] == "API rate limit reached"
    assert call("192.0.2.2").status_code == 200


def test_counter_resets_at_the_next_calendar_minute():
    minute = 1_800_000_000 - 1_800_000_000 % 60
    throttling.consume(scope="t", identity="a", cost=3, limit=3, now=minute + 59.5)
    with pytest.raises(RateLimitedError):
        throttling.consume(scope="t", identity="a", cost=1, limit=3, now=minute + 59.9)
    fresh = throttling.consume(scope="t", identity="a", cost=1, limit=3, now=minute + 60.0)
    assert (fresh.remaining, fresh.reset_s) == (2, 60)
