"""Fault test: the real server (gunicorn, PostgreSQL) with its own Redis, driven by signed reads, orders and
transfers from several threads while that Redis is stopped for 10 s, frozen (SIGSTOP) for 5 s and restarted
empty. Asserted: no 5xx; no call longer than 1 s while Redis was away (the bound the 250 ms client timeouts
and the breaker give; a fault bound, not a speed measurement); every accepted order and transfer is in the
database exactly once; every call has its activity row; no captured mutating request executes again when
replayed after the restart.

Redis and gunicorn are started on free ports and stopped by PID. About 30 s in all.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection

from activities.models import Activity, ActivityType
from conditions.tests.factories import PairFactory
from fees.tests.factories import FeeScheduleFactory
from gateway import signing
from gateway.tests.conftest import issue
from ledger.models import JournalTransaction, TransactionType
from trading.models import Order
from trading.tests.helpers import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
THREADS = 3
AWAY_LIMIT_S = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up")


class RedisServer:
    """A throwaway redis-server on a fixed port, nothing on disk; started and stopped by PID."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, "redis-server")

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.proc is not None:
            os.kill(
                self.proc.pid, signal.SIGCONT
            )  # a frozen process cannot act on SIGKILL's cleanup
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)


@dataclass
class Call:
    action: str
    started: float
    seconds: float
    status: int
    body: dict[str, Any]
    request: tuple[bytes, dict[str, str]] = field(repr=False)


@dataclass
class Driver:
    """Signed calls from several threads; every call is kept with the exact bytes it sent."""

    base: str
    public_id: str
    secret: str
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def request(self, action: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        signature = signing.sign(
            secret=self.secret.encode(), action=action, timestamp=timestamp, body=body
        )
        headers = {
            "Content-Type": "application/json",
            "X-AGGR-KEY": self.public_id,
            "X-AGGR-TIMESTAMP": timestamp,
            "X-AGGR-SIGNATURE": signature,
        }
        return body, headers

    def send(
        self, session: requests.Session, action: str, request: tuple[bytes, dict[str, str]]
    ) -> Call:
        started = time.monotonic()
        response = session.post(
            f"{self.base}/api/spot/rest/{action}", data=request[0], headers=request[1], timeout=30
        )
        call = Call(
            action=action,
            started=started,
            seconds=time.monotonic() - started,
            status=response.status_code,
            body=response.json(),
            request=request,
        )
        with self.lock:
            self.calls.append(call)
        return call

    def worker(self, n: int) -> None:
        session = requests.Session()
        session.trust_env = False
        i = 0
        while not self.stop.is_set():
            i += 1
            self.send(
                session, "get_my_account_status_v3", self.request("get_my_account_status_v3", {})
            )
            self.send(
                session,
                "do_my_internal_transfer",
                self.request(
                    "do_my_internal_transfer",
                    {
                        "fromAccountId": "sub1" if i % 2 else "sub2",
                        "toAccountId": "sub2" if i % 2 else "sub1",
                        "currency": "USD",
                        # No clientTxId (the replayable kind); bodies differ per thread and per call.
                        "amount": f"{n + 1}.{i % 100:02d}",
                    },
                ),
            )
            self.send(
                session,
                "do_my_new_order",
                self.request(
                    "do_my_new_order",
                    {
                        "clientOrderId": f"t{n}-{i}",
                        "currency1": "BTC",
                        "currency2": "USD",
                        "accountId": "sub1",
                        "side": "BUY",
                        "orderType": "Limit",
                        "amountCcy1": "0.1",
                        "price": "100",
                        "timestamp": int(time.time() * 1000),
                    },
                ),
            )
            if i % 5 == 0:
                self.send(session, "do_cancel_all_orders", self.request("do_cancel_all_orders", {}))


def transfers_and_orders_accepted(accepted: list[Call]) -> bool:
    actions = {c.action for c in accepted}
    return {"do_my_internal_transfer", "do_my_new_order"} <= actions


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gunicorn(redis_server: RedisServer) -> Iterator[str]:
    port = free_port()
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=f"redis://127.0.0.1:{redis_server.port}/0",
        GATEWAY_RATE_LIMIT_PRIVATE=str(10**9),
        LOG_LEVEL="ERROR",
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"{base}/healthz", timeout=1).status == 200,  # noqa: S310
            "gunicorn",
        )
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_signed_calls_survive_redis_stopped_frozen_and_restarted_empty(
    user, redis_server, gunicorn
):
    PairFactory()
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])
    fund(user, "sub1", USD="100000")
    fund(user, "sub2", USD="100000")
    key, secret = issue(user)
    driver = Driver(base=gunicorn, public_id=key.public_id, secret=secret)
    threads = [threading.Thread(target=driver.worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        away_from = time.monotonic()
        redis_server.stop()
        time.sleep(10)
        redis_server.start()
        redis_server.freeze()
        time.sleep(5)
        redis_server.stop()
        redis_server.start()  # empty: nothing was saved
        away_until = time.monotonic()
        time.sleep(2)
    finally:
        driver.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    calls = list(driver.calls)
    # Replay every captured mutating request that moved money or placed an order, as an attacker who
    # recorded the traffic would, now that Redis has forgotten everything.
    session = requests.Session()
    session.trust_env = False
    accepted = [c for c in calls if c.status == 200]
    guarded = [c for c in accepted if c.action in ("do_my_internal_transfer", "do_my_new_order")]
    replays = [driver.send(session, c.action, c.request) for c in guarded]
    during = [c for c in calls if away_from <= c.started <= away_until]

    assert len(calls) > 100
    assert transfers_and_orders_accepted(accepted)
    assert len(during) > 30
    assert [c for c in calls + replays if c.status >= 500] == []
    assert max(c.seconds for c in during) < AWAY_LIMIT_S
    assert {c.status for c in replays} <= {401, 409}
    transfers = [c for c in accepted if c.action == "do_my_internal_transfer"]
    orders = [c for c in accepted if c.action == "do_my_new_order"]
    reads = [c for c in accepted if c.action == "get_my_account_status_v3"]
    cancels = [c for c in accepted if c.action == "do_cancel_all_orders"]
    internal = JournalTransaction.objects.filter(user=user, type=TransactionType.INTERNAL_TRANSFER)
    assert sorted(internal.values_list("pk", flat=True)) == sorted(
        c.body["data"]["transactionId"] for c in transfers
    )
    assert sorted(Order.objects.filter(user=user).values_list("pk", flat=True)) == sorted(
        int(c.body["data"]["orderId"]) for c in orders
    )
    rows = Activity.objects.filter(user=user, api_key=key.public_id)
    assert rows.filter(action=ActivityType.TRANSFER_INTERNAL).count() == len(transfers)
    assert rows.filter(action=ActivityType.ORDER_PLACED).count() == len(orders)
    assert rows.filter(action=ActivityType.GATEWAY_CALL).count() == len(reads) + len(cancels)
    refused = sum(
        r.details.get("count", 1) for r in rows.filter(action=ActivityType.GATEWAY_REFUSED)
    )
    assert refused == len(calls) + len(replays) - len(accepted)
