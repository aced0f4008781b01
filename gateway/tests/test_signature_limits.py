"""Wrong signatures are limited per key id and per client IP (429 with Retry-After past the limit), and
identical refusals for one key share one activity row per minute with a count."""

import time

import pytest

from activities.models import Activity, ActivityType
from gateway.tests.conftest import Signer, body_of

pytestmark = pytest.mark.django_db


def junk(signer: Signer, n: int, **kwargs) -> list:  # type: ignore[no-untyped-def, type-arg]
    return [
        signer.post("get_my_account_status_v3", {}, secret="wrong secret", **kwargs)
        for _ in range(n)
    ]


def test_wrong_signatures_past_the_key_limit_are_429_and_lock_the_key_for_the_window(
    signer: Signer, settings
):
    settings.GATEWAY_BAD_SIGNATURES_PER_KEY = 5
    responses = junk(signer, 7)

    assert [r.status_code for r in responses] == [401] * 5 + [429] * 2
    assert body_of(responses[-1])["error"] == "API rate limit reached"
    assert 0 < int(responses[-1]["Retry-After"]) <= settings.GATEWAY_BAD_SIGNATURE_WINDOW_S
    # Even a correct signature waits: guessing must not be free, and the key id is public.
    assert signer.post("get_my_account_status_v3", {}).status_code == 429


def test_wrong_signatures_past_the_ip_limit_are_429_for_any_key_from_that_ip(
    signer: Signer, settings
):
    settings.GATEWAY_BAD_SIGNATURES_PER_IP = 4
    for n in range(4):
        assert (
            signer.post("get_my_account_status_v3", {}, public_id=f"unknown{n}").status_code == 401
        )

    assert signer.post("get_my_account_status_v3", {}).status_code == 429
    assert signer.post("get_my_account_status_v3", {}, remote_addr="10.9.8.7").status_code == 200


def test_three_hundred_junk_signatures_are_one_row_per_minute_with_their_count(
    signer: Signer, settings
):
    settings.GATEWAY_BAD_SIGNATURES_PER_KEY = 1000
    settings.GATEWAY_BAD_SIGNATURES_PER_IP = 1000
    started = int(time.time() // 60)

    junk(signer, 300)

    minutes = int(time.time() // 60) - started + 1
    rows = list(Activity.objects.filter(action=ActivityType.GATEWAY_REFUSED))
    assert 1 <= len(rows) <= minutes
    assert sum(row.details["count"] for row in rows) == 300
    assert {row.details["reason"] for row in rows} == {"bad_signature"}


def test_different_refusals_are_not_merged(signer: Signer, settings):
    settings.GATEWAY_REFUSAL_AGGREGATE_S = 3600  # one bucket for the whole test
    junk(signer, 2)
    signer.post("get_my_account_status_v3", {}, timestamp=1)  # out of the window

    rows = Activity.objects.filter(action=ActivityType.GATEWAY_REFUSED).order_by("id")
    assert [(r.details["reason"], r.details["count"]) for r in rows] == [
        ("bad_signature", 2),
        ("timestamp_out_of_range", 1),
    ]
