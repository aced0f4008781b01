"""Adversarial probes and fuzzed calls against a local server; prints how many were tried, 5xx and wrong
acceptances.

    .venv/bin/python bench/probes.py [--fuzz 2000] [--seconds 120] [--database-url URL] [--redis-url URL]

Starts gunicorn (2 workers) on a fresh database with the demo data (default: a temporary SQLite file, the
embedded mode; `--database-url`/`--redis-url` for PostgreSQL + Redis), then fires:

  probes  fixed hostile inputs on both doors: deep JSON nesting, oversized and non-UTF-8 bodies, NaN/Infinity,
          exponents, non-ASCII digits and trailing newlines in amounts, prices and timestamps, NUL and control
          characters in text, junk signatures past the limit, exact replays of transfers and orders, repeated
          cancel-alls;
  fuzz    signed calls to every mutating and reading action with random bodies (random types, unicode digits,
          control characters, nesting, huge numbers), bounded by --fuzz and --seconds.

A wrong acceptance is a 2xx for something that must be refused: a replay that executed, an amount or price that
is not `[0-9]+(\\.[0-9]+)?` in ASCII, text with a control character, or a body that is not a JSON object. The
demo key holds every permission, so nothing is refused for lack of one.
"""

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway import signing  # noqa: E402 (pure module, no Django)

KEY = "demo-key-0123456789abcdefghijklmnopq"
SECRET = "demo-secret-do-not-use-in-production-2026"
EMAIL, PASSWORD = "demo@example.com", "demo-password-2026"
ASCII_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MONEY = ("amount", "amountCcy1", "amountCcy2", "price", "stopPrice")
HOSTILE_NUMBERS = [
    "１",
    "١",
    "1\n",
    " 1",
    "1 ",
    "1e2",
    "NaN",
    "Infinity",
    "-1",
    "1_0",
    "１０００",
    "0x10",
    "٣.٥",
]
HOSTILE_TEXT = ["a\u0000b", "x\u0007", "\u001b[31m", "tab\tname", "\u0085", "ok"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.trust_env = False
        self.tried = 0
        self.five_xx: list[str] = []
        self.wrong: list[str] = []

    def signed(
        self, action: str, body: bytes, *, secret: str = SECRET, ts: str | None = None
    ) -> Any:
        ts = ts or str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-AGGR-KEY": KEY,
            "X-AGGR-TIMESTAMP": ts,
            "X-AGGR-SIGNATURE": signing.sign(
                secret=secret.encode(), action=action, timestamp=ts, body=body
            ),
        }
        return self.raw(f"/api/spot/rest/{action}", body, headers)

    def raw(self, path: str, body: bytes, headers: dict[str, str]) -> Any:
        self.tried += 1
        response = self.session.post(self.base + path, data=body, headers=headers, timeout=30)
        if response.status_code >= 500:
            self.five_xx.append(f"{path} {body[:80]!r} -> {response.status_code}")
        return response

    def must_refuse(self, what: str, response: Any) -> None:
        if response.status_code < 400:
            self.wrong.append(f"{what} -> {response.status_code} {response.text[:120]}")


def order(**changes: Any) -> dict[str, Any]:
    return {
        "currency1": "BTC",
        "currency2": "USD",
        "accountId": "bot1",
        "side": "BUY",
        "orderType": "Limit",
        "amountCcy1": "0.001",
        "price": "10000",
        "timestamp": int(time.time() * 1000),
        **changes,
    }


def transfer(**changes: Any) -> dict[str, Any]:
    return {
        "fromAccountId": "bot1",
        "toAccountId": "probe2",
        "currency": "USD",
        "amount": "1",
        **changes,
    }


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def probes(c: Client) -> None:
    deep = [b"[" * 3000, b'{"a":' * 3000 + b"1" + b"}" * 3000]
    for body in [*deep, b"\xff\xfe\xfd", b"{bad", b"[]", b'"text"', b"NaN", b"x" * 70000]:
        c.must_refuse(
            f"public {body[:10]!r}", c.raw("/api/spot/rest-public/get_order_book", body, {})
        )
        c.must_refuse(f"signed {body[:10]!r}", c.signed("do_my_internal_transfer", body))
    c.signed("do_create_account", dumps({"accountId": "probe2", "currency": "USD"}))
    for value in HOSTILE_NUMBERS:
        c.must_refuse(
            f"transfer amount {value!r}",
            c.signed("do_my_internal_transfer", dumps(transfer(amount=value))),
        )
        for name in ("price", "amountCcy1", "timestamp"):
            c.must_refuse(
                f"order {name} {value!r}",
                c.signed("do_my_new_order", dumps(order(**{name: value}))),
            )
    for text in HOSTILE_TEXT[:-1]:
        c.must_refuse(
            f"clientOrderId {text!r}", c.signed("do_my_new_order", dumps(order(clientOrderId=text)))
        )
        c.must_refuse(
            f"accountId {text!r}",
            c.signed("get_my_transaction_history", dumps({"accountId": text})),
        )
        c.must_refuse(
            f"clientTxId {text!r}",
            c.signed("do_my_internal_transfer", dumps(transfer(clientTxId=text))),
        )
    ts = str(int(time.time()) + 1)
    for action, payload in (
        ("do_my_internal_transfer", transfer(amount="0.5")),
        ("do_my_new_order", order()),
    ):
        body = dumps(payload)
        c.signed(action, body, ts=ts)
        c.must_refuse(f"replay {action}", c.signed(action, body, ts=ts))
    for _ in range(2):
        response = c.signed("do_cancel_all_orders", b"{}", ts=ts)
        if response.status_code != 200:
            c.wrong.append(f"repeated cancel_all refused: {response.status_code}")
    # 100: without Redis each gunicorn worker counts on its own (the embedded mode's per-process limits).
    statuses = Counter(
        c.signed("get_my_account_status_v3", b"{}", secret="junk").status_code for _ in range(100)
    )
    if 429 not in statuses:
        c.wrong.append(f"junk signatures never limited: {dict(statuses)}")
    frontend(c)


def frontend(c: Client) -> None:
    session = requests.Session()
    session.trust_env = False
    session.get(c.base + "/api/v1/auth/csrf/", timeout=10)
    headers = {
        "X-CSRFToken": str(session.cookies.get("csrftoken")),
        "Content-Type": "application/json",
    }
    for body in [b"[" * 3000, b"\xff", b'{"email": "a\\u0000@x"}']:
        c.tried += 1
        response = session.post(
            c.base + "/api/v1/auth/login/", data=body, headers=headers, timeout=30
        )
        if response.status_code >= 500:
            c.five_xx.append(f"login {body[:10]!r} -> {response.status_code}")
        c.must_refuse(f"login {body[:10]!r}", response)
    session.post(
        c.base + "/api/v1/auth/login/", json={"email": EMAIL, "password": PASSWORD}, headers=headers
    )
    headers["X-CSRFToken"] = str(session.cookies.get("csrftoken"))
    for value in HOSTILE_NUMBERS:
        c.tried += 1
        response = session.post(
            c.base + "/api/v1/ledger/transfers/internal/",
            json={
                "from_account": "bot1",
                "to_account": "probe2",
                "currency": "USD",
                "amount": value,
            },
            headers=headers,
            timeout=30,
        )
        if response.status_code >= 500:
            c.five_xx.append(f"frontend amount {value!r} -> {response.status_code}")
        c.must_refuse(f"frontend amount {value!r}", response)


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice(HOSTILE_NUMBERS + ["1", "0.5", "100000", "0.000000000001"])
    if kind == 1:
        return rng.choice(HOSTILE_TEXT) + "".join(
            chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(4))
        )
    if kind == 2:
        return rng.choice([0, 1, -1, 10**30, 1.5, 1e300, True, None])
    if kind == 3:
        return rng.choice(["BTC", "USD", "BTC-USD", "bot1", "probe2", "", "BUY", "Limit", "GTC"])
    if kind == 4:
        return int(time.time() * 1000) + rng.randrange(-(10**6), 10**6)
    if kind == 5:
        return "".join(chr(rng.randrange(0, 0x10FFFF)) for _ in range(rng.randrange(1, 6)))
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(MONEY + ("accountId", "x")): random_value(rng, depth + 1) for _ in range(2)}


def fuzz(c: Client, count: int, seconds: float, rng: random.Random) -> int:
    templates: dict[str, Callable[[], dict[str, Any]]] = {
        "do_my_internal_transfer": transfer,
        "do_my_new_order": order,
        "do_deposit_funds_from_wallet": lambda: {
            "accountId": "bot1",
            "currency": "USD",
            "amount": "1",
            "clientTxId": secrets.token_hex(4),
        },
        "get_my_transaction_history": lambda: {"accountId": "bot1"},
        "get_my_orders": lambda: {},
        "do_cancel_my_order": lambda: {
            "orderId": 1,
            "cancelRequestId": "c",
            "timestamp": int(time.time() * 1000),
        },
        "get_order_book": lambda: {"pair": "BTC-USD"},
    }
    deadline = time.monotonic() + seconds
    done = 0
    while done < count and time.monotonic() < deadline:
        action = rng.choice(list(templates))
        payload = templates[action]()
        for _ in range(rng.randrange(1, 3)):
            payload[rng.choice([*payload, *MONEY])] = random_value(rng)
        response = c.signed(action, dumps(payload))
        done += 1
        if response.status_code != 200:
            continue
        for name in MONEY:
            value = payload.get(name)
            if (
                isinstance(value, str)
                and not ASCII_NUMBER.fullmatch(value)
                and action.startswith("do_")
            ):
                c.wrong.append(f"fuzz {action} {name}={value!r} accepted")
        for name, value in payload.items():
            if isinstance(value, str) and CONTROL.search(value) and action.startswith("do_"):
                c.wrong.append(f"fuzz {action} {name}={value!r} accepted")
    return done


def start_server(args: argparse.Namespace, workdir: str) -> tuple[subprocess.Popen[bytes], str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=args.database_url or f"sqlite:///{workdir}/probes.sqlite3",
        LOG_LEVEL="CRITICAL",
        GATEWAY_RATE_LIMIT_PRIVATE=str(10**9),
        GATEWAY_RATE_LIMIT_PUBLIC=str(10**9),
        GATEWAY_BAD_SIGNATURES_PER_IP=str(10**6),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    python = sys.executable
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(python).parent / "gunicorn"), "config.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "critical"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):  # noqa: S310
                return proc, base
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fuzz", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        proc, base = start_server(args, workdir)
        try:
            c = Client(base)
            probes(c)
            probe_count = c.tried
            fuzzed = fuzz(c, args.fuzz, args.seconds, random.Random(args.seed))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    print(
        f"backend: {'PostgreSQL' if args.database_url else 'SQLite'} + {'Redis' if args.redis_url else 'locmem'}"
    )
    print(f"probes_tried: {probe_count}")
    print(f"fuzzed_cases_tried: {fuzzed}")
    print(f"responses_5xx: {len(c.five_xx)}")
    print(f"wrong_acceptances: {len(c.wrong)}")
    for line in (c.five_xx + c.wrong)[:20]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
