"""Two ASGI server processes on PostgreSQL and the Redis channel layer: a change made through process A is
pushed to sockets held by process B (pushes travel through the channel layer, not process memory)."""

import io
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from config import ws_server
from tests.e2e.asgi_server import LiveAsgi, free_port
from tests.e2e.test_websocket import (
    PAIR,
    WAIT,
    Socket,
    _apply,
    _auth_frame,
    _open,
    _private,
    _rest,
    _trader,
)
from tests.e2e.test_websocket_socket_caps import IP_REFUSAL, _attempt

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL (the channel layer); CI sets it"
    ),
]


def _start(port: int, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        **extra_env,
    }
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), *ws_server.command_line()]
    command += ["--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, env=env)


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


# Caps on open sockets, read by both processes (every socket of the tests comes from 127.0.0.1).
CAPS = {"GATEWAY_WS_MAX_SOCKETS_PER_IP": "3", "GATEWAY_WS_MAX_SOCKETS_PER_KEY": "1"}


@pytest.fixture
def two_servers() -> Iterator[tuple[LiveAsgi, LiveAsgi]]:
    from demo import market

    market.seed(io.StringIO())
    ports = [free_port(), free_port()]
    processes = [_start(port, CAPS) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_ready(port, process)
        yield LiveAsgi(ports[0]), LiveAsgi(ports[1])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)


def test_a_change_through_process_a_is_pushed_to_sockets_of_process_b(two_servers: Any) -> None:
    a, b = two_servers
    _, key, secret = _trader("taker@example.com")
    private_b = _private(b, key, secret)
    public_b = _open(b, "ws-public")
    snapshot = public_b.call("order_book_subscribe", {"pair": PAIR})["data"]

    placed = _rest(a, key, secret).create_order(
        "BTC/USDT", "limit", "buy", 0.01, 1000, {"accountId": "bot", "clientOrderId": "via-a"}
    )

    private_b.wait_pushes(2)
    assert [frame["e"] for frame in private_b.pushes] == ["account_update", "executionReport"]
    report = private_b.pushes[1]["data"]
    assert (report["orderId"], report["clientOrderId"], report["executionType"]) == (
        placed["id"],
        "via-a",
        "New",
    )
    increment = public_b.recv()
    assert increment["e"] == "order_book_increment"
    assert increment["data"]["seqId"] == snapshot["seqId"] + 1
    book = {side: dict(snapshot[side]) for side in ("bids", "asks")}
    _apply(book, increment["data"])
    assert Decimal(book["bids"]["1000.0"]) == Decimal("0.01")


def test_the_caps_on_open_sockets_count_the_sockets_of_both_processes(two_servers: Any) -> None:
    a, b = two_servers
    _, key, secret = _trader("taker@example.com")
    on_a = _private(a, key, secret)
    on_b = _open(b, "ws")
    on_b.send(_auth_frame(key, secret))
    assert on_b.closed_after() == [
        {"e": "auth", "oid": "auth", "data": {"error": "Too many open sockets for this API key"}},
        {"e": "disconnected"},
    ]

    public_b = _open(b, "ws-public")
    _open(a, "ws-public")  # the third: on_a, public_b and this one
    refused = _attempt(b)
    assert refused.closed_after() == [IP_REFUSAL, {"e": "disconnected"}]
    assert public_b.call("get_server_time")["ok"] == "ok"

    on_a.conn.close()  # process A gives back both of its places (the key's and one of the IP's)
    again = _private_once_free(b, key, secret)
    assert again.call("get_my_wallet_balance")["ok"] == "ok"


def _private_once_free(live: LiveAsgi, key: str, secret: str) -> Socket:
    """An authenticated socket, retrying while a place is still held by a socket its client just closed (the
    server gives it back when it handles the close)."""
    deadline = time.monotonic() + WAIT
    while True:
        sock = _attempt(live, "ws")
        first = sock.recv()
        if first == {"e": "connected"}:
            sock.send(_auth_frame(key, secret))
            reply = sock.recv()
            if reply.get("ok") == "ok":
                return sock
        assert time.monotonic() < deadline, "the closed socket's places were never given back"
