"""Benchmark: signed `do_my_new_order` end to end (resting and crossing orders) next to a signed read, and the
matching core's own orders per second without HTTP.

    .venv/bin/python bench/trading.py [--rounds 3] [--seconds 5] [--clients 8] [--port 18300]
                                      [--core-orders 2000]

Starts gunicorn (2 sync workers) on PostgreSQL + Redis (`BENCH_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/exch_bench_trading, created if missing; `BENCH_REDIS_URL`, default
redis://127.0.0.1:6379/9), DEBUG off and persistent database connections, as in production. Each client process
has its own user, funded sub-account and API key. In interleaved rounds, with the same client processes:

  read      signed get_pairs_info {"pairs":["BTC-USD"]}: every gateway check, one read, the activity row;
  resting   signed do_my_new_order, a limit buy on BTC-USD below the market (never crosses): pair lock,
            fee lookup, balance lock and hold, the order row, top-of-book/candle upkeep, the activity row;
  crossing  signed do_my_new_order, a limit buy on ETH-USD that fills against a resting sell of another user:
            the above plus a trade, the ledger settlement with both fees, the 30-day volumes, the fill rows.

Afterwards it checks that every order answered 200 (no error, no REJECTED) and that the database holds exactly
one order per accepted request (nothing lost, nothing doubled). Then it times `trading.services.order_place`
in this one process (no HTTP, no gateway) for resting and for crossing orders.
"""

import argparse
import base64
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gateway import (  # noqa: E402
    ensure_database,
    percentile,
    start_gunicorn,
    wait_for,
    workers_cpu,
)
from gateway import signing  # noqa: E402 (pure module, no Django)

MODES = ("read", "resting", "crossing")
READ_BODY = b'{"pairs":["BTC-USD"]}'
ACCOUNT = "bench"
MAKER_EMAIL = "bench-maker@example.com"
CROSS_PRICE = "2500.00"  # the makers' ETH-USD asks rest here
MAKER_ORDERS = 100


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exch_bench_trading"
        ),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        API_KEY_ENCRYPTION_KEYS=base64.b64encode(secrets.token_bytes(32)).decode(),
        SECURE_SSL_REDIRECT="false",
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        GATEWAY_RATE_LIMIT_PRIVATE=str(10**12),
        TRADING_MAX_OPEN_ORDERS=str(10**9),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


def _fund(user, amounts: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from activities.actor import Actor
    from ledger import services as ledger

    system = Actor.system()
    ledger.account_create(user=user, name=ACCOUNT, actor=system)
    for currency, amount in amounts.items():
        ledger.wallet_credit(user=user, currency=currency, amount=Decimal(amount), actor=system)
        ledger.transfer_from_wallet(
            user=user, account=ACCOUNT, currency=currency, amount=Decimal(amount), actor=system
        )


def _rest_asks(maker, count: int) -> None:  # type: ignore[no-untyped-def]
    from activities.actor import Actor
    from trading.services import order_place

    for _ in range(count):
        order_place(
            user=maker,
            account=ACCOUNT,
            pair="ETH-USD",
            side="SELL",
            order_type="Limit",
            amount=Decimal("1000"),
            price=Decimal(CROSS_PRICE),
            actor=Actor.system(),
        )


def prepare(env: dict[str, str], clients: int) -> list[tuple[str, str]]:
    """A fresh database state: the market, a maker with deep asks, one funded user and key per client."""
    ensure_database(env["DATABASE_URL"])
    os.environ.update(env)
    import io

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection, connections

    from accounts.services import user_create
    from activities.actor import Actor
    from apikeys import auth_cache
    from apikeys.services import api_key_issue
    from demo import market

    # Start from empty tables each run, so the figures do not depend on earlier runs' books.
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    market.seed(io.StringIO())
    maker = user_create(
        email=MAKER_EMAIL, password=secrets.token_urlsafe(16), verification_level="verified"
    )
    _fund(maker, {"ETH": "200000"})
    _rest_asks(maker, MAKER_ORDERS)
    keys = []
    for n in range(clients):
        user = user_create(
            email=f"bench{n}@example.com",
            password=secrets.token_urlsafe(16),
            verification_level="verified",
        )
        _fund(user, {"USD": "100000000"})
        issued = api_key_issue(
            user=user,
            name="bench",
            permissions=["read", "trade"],
            ip_whitelist=[],
            active=True,
            actor=Actor.operator(),
        )
        cache.delete(auth_cache.cache_key(issued.key.public_id))
        keys.append((issued.key.public_id, issued.secret))
    connection.close()
    connections.close_all()
    return keys


def order_body(mode: str, n: int) -> bytes:
    if mode == "resting":
        pair, price, amount = ("BTC", "USD"), f"{40000 + (n % 500) / 10:.1f}", "0.001"
    else:
        pair, price, amount = ("ETH", "USD"), CROSS_PRICE, "0.01"
    body = {
        "clientOrderId": str(uuid.uuid4()),
        "currency1": pair[0],
        "currency2": pair[1],
        "accountId": ACCOUNT,
        "orderType": "Limit",
        "side": "BUY",
        "timestamp": int(time.time() * 1000),
        "amountCcy1": amount,
        "price": price,
        "timeInForce": "GTC",
    }
    return json.dumps(body, separators=(",", ":")).encode()


def request_bytes(port: int, action: str, body: bytes, key: str, secret: str) -> bytes:
    stamp = str(int(time.time()))
    signature = signing.sign(secret=secret.encode(), action=action, timestamp=stamp, body=body)
    lines = [
        f"POST /api/spot/rest/{action} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        f"X-AGGR-KEY: {key}",
        f"X-AGGR-TIMESTAMP: {stamp}",
        f"X-AGGR-SIGNATURE: {signature}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def load(
    mode: str, port: int, seconds: float, key: str, secret: str
) -> tuple[int, int, list[float], list[str]]:
    """One client: sequential requests until the deadline. Returns (ok, errors, latencies, samples of errors)."""
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        if mode == "read":
            request = request_bytes(port, "get_pairs_info", READ_BODY, key, secret)
        else:
            request = request_bytes(port, "do_my_new_order", order_body(mode, n), key, secret)
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        latencies.append(time.perf_counter() - started)
        response = b"".join(chunks)
        good = response.startswith(b"HTTP/1.1 200")
        if good and mode != "read":
            payload = json.loads(response.split(b"\r\n\r\n", 1)[1])
            expected = "NEW" if mode == "resting" else "FILLED"
            good = payload.get("data", {}).get("status") == expected
        if not good:
            errors += 1
            if len(samples) < 3:
                samples.append(response[-300:].decode(errors="replace"))
    return len(latencies) - errors, errors, latencies, samples


def core_benchmark(count: int) -> dict[str, float]:
    """Orders per second through `order_place` in this process: no HTTP, no gateway."""
    from django.contrib.auth import get_user_model

    from activities.actor import Actor
    from trading.services import order_place

    user = get_user_model().objects.get(email="bench0@example.com")
    figures = {}
    for mode in ("resting", "crossing"):
        started = time.perf_counter()
        for n in range(count):
            resting = mode == "resting"
            result = order_place(
                user=user,
                account=ACCOUNT,
                pair="BTC-USD" if resting else "ETH-USD",
                side="BUY",
                order_type="Limit",
                amount=Decimal("0.001") if resting else Decimal("0.01"),
                price=Decimal(f"{39000 + (n % 500) / 10:.1f}") if resting else Decimal(CROSS_PRICE),
                actor=Actor.system(),
            )
            if result.order.status not in ("NEW", "FILLED"):
                raise SystemExit(
                    f"core benchmark: order {result.order.status}: {result.order.reject_reason}"
                )
        figures[mode] = count / (time.perf_counter() - started)
    return figures


def order_count() -> int:
    from trading.models import Order

    return (
        Order.objects.filter(user__email__startswith="bench", user__email__endswith="@example.com")
        .exclude(user__email=MAKER_EMAIL)
        .count()
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=18300)
    parser.add_argument("--core-orders", type=int, default=2000)
    args = parser.parse_args()

    env = server_env()
    keys = prepare(env, args.clients)
    server = start_gunicorn(args.port, env)
    accepted = 0
    try:
        wait_for(args.port, server)
        pool = multiprocessing.get_context("fork").Pool(args.clients)
        warm = pool.starmap(
            load, [(mode, args.port, 0.5, *keys[i]) for mode in MODES for i in range(args.clients)]
        )
        bad = [sample for _, errors, _, samples in warm if errors for sample in samples]
        if bad:
            raise SystemExit(f"warm-up requests failed: {bad[:2]}")
        accepted += sum(
            ok
            for (mode, *_), (ok, *_) in zip(
                [(mode,) for mode in MODES for _ in range(args.clients)], warm, strict=True
            )
            if mode != "read"
        )
        latencies: dict[str, list[float]] = {mode: [] for mode in MODES}
        counts = dict.fromkeys(MODES, 0)
        errors = dict.fromkeys(MODES, 0)
        cpu = dict.fromkeys(MODES, 0.0)
        samples: list[str] = []
        print(
            f"{args.rounds} rounds x {args.seconds:g} s per mode, {args.clients} client processes, "
            "gunicorn 2 sync workers, PostgreSQL + Redis"
        )
        for number in range(args.rounds):
            order = MODES[number % 3 :] + MODES[: number % 3]
            line = [f"round {number + 1}:"]
            for mode in order:
                before = workers_cpu(server.pid)
                results = pool.starmap(
                    load, [(mode, args.port, args.seconds, *keys[i]) for i in range(args.clients)]
                )
                cpu[mode] += workers_cpu(server.pid) - before
                done = sum(ok for ok, _, _, _ in results)
                counts[mode] += done
                errors[mode] += sum(bad for _, bad, _, _ in results)
                for _, _, lat, sample in results:
                    latencies[mode].extend(lat)
                    samples.extend(sample)
                if mode != "read":
                    accepted += done
                line.append(f"{mode} {done / args.seconds:7.1f}/s")
            print("  ".join(line))
        pool.close()
        duration = args.rounds * args.seconds
        print()
        for mode in MODES:
            values = latencies[mode]
            print(
                f"{mode:>9}: {counts[mode] / duration:8.1f} calls/s  "
                f"p50 {percentile(values, 0.50) * 1000:6.2f} ms  "
                f"p99 {percentile(values, 0.99) * 1000:6.2f} ms  "
                f"mean {statistics.fmean(values) * 1000:6.2f} ms  "
                f"server CPU {cpu[mode] / max(1, counts[mode]) * 1000:5.2f} ms/call  errors {errors[mode]}"
            )
        print(
            f"    ratio: resting / read {counts['resting'] / max(1, counts['read']):.3f}, "
            f"crossing / read {counts['crossing'] / max(1, counts['read']):.3f} (throughput)"
        )
        for text in samples[:3]:
            print(f"    error sample: {text!r}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    stored = order_count()
    print(
        f"    orders: {accepted} accepted over HTTP, {stored} in the database "
        f"({'none lost, none doubled' if stored == accepted else 'MISMATCH'})"
    )
    core = core_benchmark(args.core_orders)
    print(
        f"     core: order_place in one process, no HTTP: resting {core['resting']:.0f} orders/s, "
        f"crossing {core['crossing']:.0f} orders/s ({args.core_orders} each)"
    )


if __name__ == "__main__":
    main()
