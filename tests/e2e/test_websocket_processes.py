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

from tests.e2e.asgi_server import LiveAsgi, free_port
from tests.e2e.test_websocket import PAIR, _apply, _open, _private, _rest, _trader

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL (the channel layer); CI sets it"
    ),
]


def _start(port: int) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
    command += [
        "--port",
        str(port),
        "--ws",
        "websockets",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
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


@pytest.fixture
def two_servers() -> Iterator[tuple[LiveAsgi, LiveAsgi]]:
    from demo import market

    market.seed(io.StringIO())
    ports = [free_port(), free_port()]
    processes = [_start(port) for port in ports]
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
