"""The counts behind the caps on open WebSocket sockets (gateway/sockets.py): leases in Redis that a dead
process cannot keep, renewals, the per-process count while Redis is away, and a consumer that fails still giving
its place back. The caps seen by clients are tested end to end in tests/e2e/test_websocket_socket_caps.py."""

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings as django_settings
from django.core.cache import caches

from common.cache import breaker, redis_degraded
from gateway import sockets
from gateway.consumers import PublicConsumer
from gateway.errors import TooManySocketsError
from tests.test_redis_optional import closed_port, use_redis_at

needs_redis = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="needs REDIS_URL (the shared count); CI sets it"
)
IP = "203.0.113.7"
WAIT = 10  # seconds before a hung consumer fails the test (not a timing assertion)


def claim(*, limit: int = 1, now: float) -> sockets.Slot | None:
    return sockets.claim(scope="ip", identity=IP, limit=limit, now=now)


@pytest.fixture(autouse=True)
def _nothing_held_after() -> Iterator[None]:
    yield
    breaker.reset()


def test_a_cap_of_zero_counts_nothing():
    assert [claim(limit=0, now=time.time()) for _ in range(3)] == [None, None, None]


def _full_until_given_back(held: sockets.Slot | None, *, now: float) -> None:
    with pytest.raises(TooManySocketsError, match="Too many open sockets from this IP address"):
        claim(now=now)
    assert held is not None
    sockets.release([held])
    again = claim(now=now)
    assert again is not None
    sockets.release([again])


def test_a_place_given_back_can_be_taken_again():
    now = time.time()
    _full_until_given_back(claim(now=now), now=now)


@needs_redis
def test_the_places_of_a_process_that_died_are_free_once_their_lease_ends():
    now = time.time()
    dead = claim(now=now)
    assert dead is not None
    with sockets._held.lock:
        sockets._held.discard(dead)  # as if its process were gone: nobody renews or gives it back

    with pytest.raises(TooManySocketsError):
        claim(now=now + sockets.LEASE_S - 1)
    alive = claim(now=now + sockets.LEASE_S + 1)
    assert alive is not None
    sockets.release([alive])


@needs_redis
def test_a_renewed_place_outlives_its_first_lease():
    now = time.time()
    held = claim(now=now)
    sockets.renew(now=now + sockets.LEASE_S - 1)

    with pytest.raises(TooManySocketsError):
        claim(now=now + sockets.LEASE_S + 1)
    assert held is not None
    sockets.release([held])


@needs_redis
def test_a_renewal_writes_back_the_places_redis_lost():
    now = time.time()
    held = claim(limit=2, now=now)
    assert held is not None
    caches["default"].delete(held.key)  # Redis restarted: its count is empty
    other = claim(limit=2, now=now)  # so the lost place is not counted meanwhile
    assert other is not None

    sockets.renew(now=now)

    with pytest.raises(TooManySocketsError):
        claim(limit=2, now=now)
    sockets.release([held, other])


def test_with_redis_away_each_process_still_caps_its_own_sockets(settings):
    use_redis_at(settings, closed_port())
    now = time.time()
    held = claim(now=now)

    assert redis_degraded()
    _full_until_given_back(held, now=now)


class _Failing(PublicConsumer):
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raise RuntimeError("a bug in a handler")


def test_a_socket_whose_handler_fails_gives_its_place_back(settings):
    settings.GATEWAY_WS_MAX_SOCKETS_PER_IP = 1
    scope = {
        "type": "websocket",
        "path": "/api/spot/ws-public",
        "headers": [],
        "subprotocols": [],
        "client": (IP, 50000),
    }

    async def opened(consumer: Any) -> tuple[ApplicationCommunicator, list[Any]]:
        socket = ApplicationCommunicator(consumer.as_asgi(), scope)
        await socket.send_input({"type": "websocket.connect"})
        frames = [await socket.receive_output(WAIT) for _ in range(2)]
        return socket, [frames[0]["type"], json.loads(frames[1]["text"])]

    async def run() -> list[Any]:
        failing, frames = await opened(_Failing)
        assert frames == ["websocket.accept", {"e": "connected"}]
        await failing.send_input({"type": "websocket.receive", "text": '{"e":"ping"}'})
        with pytest.raises(RuntimeError, match="a bug in a handler"):
            await failing.wait(WAIT)

        after, frames = await opened(PublicConsumer)
        await after.send_input({"type": "websocket.disconnect", "code": 1000})
        await after.wait(WAIT)
        return frames

    assert asyncio.run(run()) == ["websocket.accept", {"e": "connected"}]
