"""End to end: the caps on open sockets per client IP and per API key (gateway/sockets.py), on the live ASGI
server, frame by frame with the `websockets` client. Past a cap: the error frame, `disconnected`, close 1000 (as
every refusal of the protocol ends); every way a socket ends gives its place back."""

import time
from collections.abc import Callable

import pytest
from websockets.sync.client import connect

from activities.actor import Actor
from activities.models import Activity, ActivityType
from apikeys.services import api_key_deactivate
from apikeys.tests.factories import issue_key
from tests.e2e.asgi_server import LiveAsgi
from tests.e2e.test_websocket import (
    WAIT,
    Socket,
    _auth_frame,
    _open,
    _private,
    _trader,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IP_REFUSAL = {"e": "error", "data": {"error": "Too many open sockets from this IP address"}}
KEY_REFUSAL = {
    "e": "auth",
    "oid": "auth",
    "data": {"error": "Too many open sockets for this API key"},
}
DISCONNECTED = {"e": "disconnected"}


def _attempt(live: LiveAsgi, path: str = "ws-public") -> Socket:
    sock = Socket(connect(f"{live.ws}/{path}", open_timeout=WAIT, proxy=None))
    sock.pushes = []
    return sock


def _open_once_free(live: LiveAsgi) -> Socket:
    """A socket that gets `connected`, retrying while it is refused: after a close by the client, the server
    gives the place back when it handles the close, which may be after the client saw it answered."""
    deadline = time.monotonic() + WAIT
    while True:
        sock = _attempt(live)
        first = sock.recv()
        if first == {"e": "connected"}:
            return sock
        assert first == IP_REFUSAL
        assert time.monotonic() < deadline, "the closed socket's place was never given back"


def test_a_socket_past_the_ip_cap_gets_the_error_then_disconnected_and_is_closed(server, settings):
    settings.GATEWAY_WS_MAX_SOCKETS_PER_IP = 2
    public = _open(server, "ws-public")
    _open(server, "ws")  # public and private sockets share the IP's count

    refused = _attempt(server, "ws")
    assert refused.closed_after() == [IP_REFUSAL, DISCONNECTED]
    assert refused.conn.close_code == 1000
    assert public.call("get_server_time")["ok"] == "ok"  # the open ones are untouched


def test_a_socket_past_the_key_cap_is_refused_at_auth_and_the_refusal_logged(server, settings):
    settings.GATEWAY_WS_MAX_SOCKETS_PER_KEY = 1
    user, key, secret = _trader("bot@example.com")
    other_key, other_secret = issue_key(user=user, name="second bot")
    first = _private(server, key, secret)

    refused = _open(server, "ws")
    refused.send(_auth_frame(key, secret))
    assert refused.closed_after() == [KEY_REFUSAL, DISCONNECTED]
    assert refused.conn.close_code == 1000
    refusals = Activity.objects.filter(user=user, action=ActivityType.GATEWAY_REFUSED)
    assert [(row.details["action"], row.details["reason"]) for row in refusals] == [
        ("auth", "too_many_sockets")
    ]
    # Another key of the same user counts on its own; a second `auth` on the open socket keeps its place.
    _private(server, other_key.public_id, other_secret)
    first.send(_auth_frame(key, secret))
    assert first.recv() == {"e": "auth", "oid": "auth", "ok": "ok", "data": {"ok": "ok"}}
    assert first.call("get_my_wallet_balance")["ok"] == "ok"


def _unknown_type(sock: Socket, live: LiveAsgi) -> None:
    sock.send({"e": "no_such_type", "oid": "1_x", "data": {}})


def _bad_json(sock: Socket, live: LiveAsgi) -> None:
    sock.send("not json")


def _too_large(sock: Socket, live: LiveAsgi) -> None:
    sock.send('{"e":"ping","pad":"' + "x" * 70_000 + '"}')


def _refused_auth(sock: Socket, live: LiveAsgi) -> None:
    sock.send(_auth_frame("x" * 20, "wrong"))


def _idle(sock: Socket, live: LiveAsgi) -> None:
    pass  # GATEWAY_WS_IDLE_S is short in this case


# Each case: the socket to open ("ws-public" or "ws"), what ends it, and whether the server closes it (then its
# place is free before the close frame reaches the client).
CLOSED_BY_SERVER: dict[str, tuple[str, Callable[[Socket, LiveAsgi], None]]] = {
    "unknown type": ("ws-public", _unknown_type),
    "bad json": ("ws-public", _bad_json),
    "frame too large": ("ws-public", _too_large),
    "refused auth": ("ws", _refused_auth),
    "idle": ("ws-public", _idle),
}


@pytest.mark.parametrize("case", list(CLOSED_BY_SERVER))
def test_every_close_by_the_server_gives_the_place_back_before_the_client_sees_it(
    server, settings, case
):
    settings.GATEWAY_WS_MAX_SOCKETS_PER_IP = 1
    if case == "idle":
        settings.GATEWAY_WS_IDLE_S = 0.5
    path, end = CLOSED_BY_SERVER[case]
    sock = _open(server, path)
    end(sock, server)
    sock.closed_after()

    again = _attempt(server)
    assert again.recv() == {"e": "connected"}


def test_rate_limit_and_key_deactivation_closes_give_the_places_back(server, settings):
    settings.GATEWAY_WS_MAX_SOCKETS_PER_IP = 1
    settings.GATEWAY_WS_MAX_SOCKETS_PER_KEY = 1
    settings.GATEWAY_RATE_LIMIT_PRIVATE = 6
    user, key, secret = _trader("bot@example.com")
    sock = _private(server, key, secret)
    sock.call("get_my_wallet_balance")  # 5 points
    sock.call("get_my_wallet_balance")  # 10 > 6: refused, then closed
    assert sock.closed_after() == [DISCONNECTED]

    settings.GATEWAY_RATE_LIMIT_PRIVATE = 1000
    sock = _private(server, key, secret)  # both places (IP and key) were free again
    from apikeys.models import ApiKey

    api_key_deactivate(key=ApiKey.objects.get(public_id=key), actor=Actor.system())
    assert sock.closed_after() == [DISCONNECTED]
    assert _attempt(server).recv() == {"e": "connected"}


def test_a_socket_closed_by_its_client_gives_the_place_back(server, settings):
    settings.GATEWAY_WS_MAX_SOCKETS_PER_IP = 1
    sock = _open(server, "ws-public")
    assert _attempt(server).closed_after() == [IP_REFUSAL, DISCONNECTED]
    sock.conn.close()

    again = _open_once_free(server)
    assert again.call("get_server_time")["ok"] == "ok"
