"""Benchmark of the trading runtime, every figure of issue 10 in one run (`make bench-trading`).

    .venv/bin/python bench/trading.py [--parts core,matcher,http,shards]
        [--core-commands 100000]                                   # part 1
        [--seconds 15] [--warm 3] [--processes 4] [--threads 8]    # parts 2 and 4
        [--rounds 3] [--round-seconds 5] [--clients 8] [--port 18320]  # part 3

On PostgreSQL + Redis (`BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/exch_bench_trading,
created if missing and emptied before each part; `BENCH_REDIS_URL`, default redis://127.0.0.1:6379/9, flushed
before each part), DEBUG off and persistent database connections, as in production. The bench starts and
stops every process it measures. Parts:

  1. core     the pure core (trading/core) in this process: bench/trading_core.py's `measure`, its mix of 60 %
              resting GTC limit orders, 30 % crossing IOC orders and 10 % cancels on one BTC-USD book.
  2. matcher  one `manage.py matcher --pairs BTC-USD` process, PostgreSQL persistence, no HTTP: `--processes`
              x `--threads` submitters put the same mix on the pair's Redis stream (StreamTransport, as the
              doors do with TRADING_MATCHER=redis) and wait for each reply, released after the commit
              (bench/trading_matcher.py). Commands/s in the `--seconds` after `--warm` (which builds the book),
              submit->reply latency, commands per batch, the matcher's and the submitters' CPU per command, and
              checks: no 503, every answered command stored once, no REJECTED order, the pair's sequence
              gap-free.
  3. http     gunicorn (2 workers of 8 threads, as docker-compose runs web) with TRADING_MATCHER=redis and one `manage.py matcher --shard 0/1`
              process; `--clients` client processes, each with its own user, funded sub-account and API key, in
              `--rounds` interleaved rounds of `--round-seconds` per mode:
                read      signed get_pairs_info {"pairs":["BTC-USD"]}: every gateway check, one read, the
                          activity row;
                resting   signed do_my_new_order, a limit buy on BTC-USD below the market (never crosses);
                crossing  signed do_my_new_order, a limit buy on ETH-USD that fills against a resting sell of
                          another user (a trade, the settlement with both fees, the 30-day volumes).
              Calls/s, p50/p99, the workers' and the matcher's CPU per call; then: every request answered 200
              with the expected status (no error, no REJECTED), and every accepted order in the database exactly
              once (lost: accepted but missing or doubled).
  4. shards   two matcher processes on disjoint pairs (`--shard 0/2`: BTC-USD, `--shard 1/2`: ETH-USD), the
              submitters of part 2 split over both pairs: the combined commands/s, and each pair's
              `trading_matchercommand.seq` checked gap-free (1..n).

Stdout holds only `name: value` lines (units in the name), the last one `crossing/read ratio: X` (part 3's
crossing throughput over its read throughput); progress goes to stderr. The machine's load average is printed
at the start and the end: on a shared machine every figure depends on it. About 2.5 minutes with the
defaults.
"""

import argparse
import base64
import collections
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

from bench import trading_core  # noqa: E402
from bench import trading_matcher as tm  # noqa: E402
from bench.gateway import (  # noqa: E402
    ensure_database,
    percentile,
    start_gunicorn,
    wait_for,
    workers_cpu,
)
from gateway import signing  # noqa: E402 (pure module, no Django)

PARTS = ("core", "matcher", "http", "shards")
MODES = ("read", "resting", "crossing")
READ_BODY = b'{"pairs":["BTC-USD"]}'
ACCOUNT = tm.ACCOUNT
MAKER_EMAIL = "bench-maker@example.com"
CROSS_PRICE = "2500.00"  # the makers' ETH-USD asks rest here
MAKER_ORDERS = 100


def figure(name: str, value: object) -> None:
    print(f"{name}: {value}", flush=True)


def ms(seconds: list[float], fraction: float) -> str:
    """A percentile of latencies in seconds, in milliseconds ("nan" when there are none)."""
    return f"{percentile(seconds, fraction) * 1000:.1f}" if seconds else "nan"


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def server_env() -> dict[str, str]:
    """The settings of this process (embedded matcher: it only seeds) and, with `processes_env`, of the ones
    it starts."""
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exch_bench_trading"
        ),
        REDIS_URL=redis_url,
        TRADING_MATCHER="embedded",
        TRADING_MATCHER_URL=redis_url,
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


def processes_env(env: dict[str, str]) -> dict[str, str]:
    """gunicorn's and the matchers': the doors send to matcher processes through Redis Streams."""
    return {**env, "TRADING_MATCHER": "redis"}


def setup(env: dict[str, str]) -> None:
    ensure_database(env["DATABASE_URL"])
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reset() -> None:
    """Empty tables and an empty Redis database (streams included), then the market: each part starts alike."""
    import io

    import redis
    from django.conf import settings
    from django.core.management import call_command

    from demo import market

    call_command("flush", interactive=False, verbosity=0)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    market.seed(io.StringIO())


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


# --- part 1: the pure core -----------------------------------------------------------------------------


def core_part(args: argparse.Namespace) -> None:
    progress(f"part 1: the pure core, {args.core_commands} commands")
    core = trading_core.measure(commands=args.core_commands, book=2000, seed=1)
    figure("core commands/s", f"{core['commands/s']:.0f}")
    figure("core commands per CPU second", f"{core['commands per CPU second']:.0f}")
    figure("core p99 µs", f"{core['p99 µs']:.1f}")


# --- parts 2 and 4: matcher processes, no HTTP ---------------------------------------------------------


def matcher_part(args: argparse.Namespace, env: dict[str, str], *, shards: bool) -> None:
    from trading.matcher.process import shard_of

    symbols = ["BTC-USD", "ETH-USD"] if shards else ["BTC-USD"]
    label = "two matchers" if shards else "matcher+pg"
    reset()
    users = tm.traders("mt")
    if shards:
        matchers = [tm.start_matcher(env, "--shard", f"{k}/2") for k in range(2)]
        progress(
            "part 4: two matcher processes, "
            + ", ".join(f"{symbol} on shard {shard_of(symbol, 2)}/2" for symbol in symbols)
        )
    else:
        matchers = [tm.start_matcher(env, "--pairs", "BTC-USD")]
        progress("part 2: one matcher process on BTC-USD")
    progress(
        f"  {args.processes} x {args.threads} submitters, {args.warm:g} s warm-up + {args.seconds:g} s measured"
    )
    try:
        tm.wait_alive(env["TRADING_MATCHER_URL"], symbols, matchers)
        window = tm.drive(
            processes=args.processes,
            threads=args.threads,
            symbols=symbols,
            users=users,
            warm=args.warm,
            seconds=args.seconds,
            watch=[process.pid for process in matchers],
        )
    finally:
        ran = [tm.stop_matcher(process) for process in matchers]
    inside = window.inside()
    latencies = [item.latency for item in inside]
    commands, batches = (sum(column) for column in zip(*ran, strict=True))
    figure(f"{label} commands in flight", args.processes * args.threads)
    figure(f"{label} commands/s", f"{window.per_second():.0f}")
    if shards:
        for symbol in symbols:
            figure(f"{label} {symbol.lower()} commands/s", f"{window.per_second(symbol):.0f}")
    figure(f"{label} p50 ms", ms(latencies, 0.50))
    figure(f"{label} p99 ms", ms(latencies, 0.99))
    figure(f"{label} commands per batch", f"{commands / max(1, batches):.1f}")
    figure(f"{label} matcher CPU ms per command", f"{window.cpu / max(1, len(inside)) * 1000:.2f}")
    figure(
        f"{label} submitters CPU ms per command",
        f"{window.submitters_cpu / max(1, len(window.outcomes)) * 1000:.2f}",
    )
    figure(f"{label} errors", sum(item.answer == "unavailable" for item in window.outcomes))
    figure(f"{label} lost commands", tm.not_stored(window.outcomes))
    figure(f"{label} rejected orders", tm.rejected_orders())
    for symbol in symbols:
        prefix = "" if shards else f"{label} "
        figure(f"{prefix}{symbol.lower()} seq gap-free", "yes" if tm.seq_gap_free(symbol) else "NO")


# --- part 3: over HTTP ---------------------------------------------------------------------------------


def http_prepare(clients: int) -> list[tuple[str, str]]:
    """The market, a maker with deep asks, one funded user and key per client."""
    from django.core.cache import cache
    from django.db import connections

    from accounts.services import user_create
    from activities.actor import Actor
    from apikeys import auth_cache
    from apikeys.services import api_key_issue

    reset()
    maker = user_create(email=MAKER_EMAIL, password=None, verification_level="verified")
    tm.fund(maker, {"ETH": "200000"})
    _rest_asks(maker, MAKER_ORDERS)
    keys = []
    for n in range(clients):
        user = user_create(
            email=f"bench{n}@example.com", password=None, verification_level="verified"
        )
        tm.fund(user, {"USD": "100000000"})
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
    connections.close_all()
    return keys


def order_body(mode: str, client_order_id: str) -> bytes:
    if mode == "resting":
        n = uuid.UUID(client_order_id).int
        pair, price, amount = ("BTC", "USD"), f"{40000 + (n % 500) / 10:.1f}", "0.001"
    else:
        pair, price, amount = ("ETH", "USD"), CROSS_PRICE, "0.01"
    body = {
        "clientOrderId": client_order_id,
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
) -> tuple[int, list[float], list[str], list[str]]:
    """One client: sequential requests until the deadline. Returns (errors, latencies, samples of errors,
    clientOrderIds of the orders answered as accepted)."""
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    accepted: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        client_order_id = str(uuid.uuid4())
        if mode == "read":
            request = request_bytes(port, "get_pairs_info", READ_BODY, key, secret)
        else:
            body = order_body(mode, client_order_id)
            request = request_bytes(port, "do_my_new_order", body, key, secret)
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
            if payload.get("data", {}).get("status") not in (None, "REJECTED"):
                accepted.append(client_order_id)
        if not good:
            errors += 1
            if len(samples) < 3:
                samples.append(response[-300:].decode(errors="replace"))
    return errors, latencies, samples, accepted


def orders_stored() -> collections.Counter[str]:
    """clientOrderId -> how many orders of the clients carry it."""
    from trading.models import Order

    ids = (
        Order.objects.filter(user__email__startswith="bench", user__email__endswith="@example.com")
        .exclude(user__email=MAKER_EMAIL)
        .values_list("client_order_id", flat=True)
    )
    return collections.Counter(ids)


def port_free(port: int) -> None:
    """Refuse a port something else listens on: its /healthz would pass for gunicorn's. (Connections of an
    earlier run left in TIME-WAIT do not count: gunicorn binds with SO_REUSEADDR too.)"""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"port {port} is in use: pass --port") from None


def http_part(args: argparse.Namespace, env: dict[str, str]) -> float:
    """Part 3; returns the crossing/read throughput ratio."""

    port_free(args.port)
    keys = http_prepare(args.clients)
    progress(
        f"part 3: over HTTP, {args.rounds} rounds x {args.round_seconds:g} s per mode, {args.clients} "
        "client processes, gunicorn 2 workers x 8 threads + one matcher process (TRADING_MATCHER=redis)"
    )
    matcher = tm.start_matcher(env, "--shard", "0/1")
    server = None
    accepted: list[str] = []
    latencies: dict[str, list[float]] = {mode: [] for mode in MODES}
    counts = dict.fromkeys(MODES, 0)
    errors = dict.fromkeys(MODES, 0)
    cpu = dict.fromkeys(MODES, 0.0)
    matcher_cpu = dict.fromkeys(MODES, 0.0)
    samples: list[str] = []
    try:
        tm.wait_alive(env["TRADING_MATCHER_URL"], ["BTC-USD", "ETH-USD"], [matcher])
        server = start_gunicorn(args.port, env)
        wait_for(args.port, server)
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            warm = pool.starmap(
                load,
                [(mode, args.port, 0.5, *keys[i]) for mode in MODES for i in range(args.clients)],
            )
            bad = [sample for errs, _, found, _ in warm if errs for sample in found]
            if bad:
                raise SystemExit(f"warm-up requests failed: {bad[:2]}")
            accepted += [item for *_, ids in warm for item in ids]
            for number in range(args.rounds):
                order = MODES[number % 3 :] + MODES[: number % 3]
                line = [f"  round {number + 1}:"]
                for mode in order:
                    before, matcher_before = workers_cpu(server.pid), tm.cpu_seconds(matcher.pid)
                    results = pool.starmap(
                        load,
                        [
                            (mode, args.port, args.round_seconds, *keys[i])
                            for i in range(args.clients)
                        ],
                    )
                    cpu[mode] += workers_cpu(server.pid) - before
                    matcher_cpu[mode] += tm.cpu_seconds(matcher.pid) - matcher_before
                    done = sum(len(lat) - errs for errs, lat, _, _ in results)
                    counts[mode] += done
                    for errs, lat, found, ids in results:
                        errors[mode] += errs
                        latencies[mode].extend(lat)
                        samples.extend(found)
                        accepted.extend(ids)
                    line.append(f"{mode} {done / args.round_seconds:7.1f}/s")
                progress("  ".join(line))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        tm.stop_matcher(matcher)

    duration = args.rounds * args.round_seconds
    for mode in MODES:
        values = latencies[mode]
        figure(f"http {mode} calls/s", f"{counts[mode] / duration:.1f}")
        figure(f"http {mode} p50 ms", ms(values, 0.50))
        figure(f"http {mode} p99 ms", ms(values, 0.99))
        figure(
            f"http {mode} server CPU ms per call",
            f"{cpu[mode] / max(1, counts[mode]) * 1000:.2f}",
        )
        if mode != "read":
            figure(
                f"http {mode} matcher CPU ms per call",
                f"{matcher_cpu[mode] / max(1, counts[mode]) * 1000:.2f}",
            )
        if values:
            progress(f"  {mode}: mean {statistics.fmean(values) * 1000:.2f} ms")
    figure("http errors", sum(errors.values()))
    for text in samples[:3]:
        progress(f"  error sample: {text!r}")
    stored = orders_stored()
    answered = collections.Counter(accepted)
    figure("http orders accepted", sum(answered.values()))
    figure(
        "http lost orders",
        sum(1 for item in answered if stored[item] != 1),  # missing, or there twice
    )
    figure("http orders stored but not answered as accepted", sum((stored - answered).values()))
    return counts["crossing"] / max(1, counts["read"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="which parts, in order of the list"
    )
    parser.add_argument("--core-commands", type=int, default=100_000)
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="parts 2 and 4: measured window"
    )
    parser.add_argument(
        "--warm", type=float, default=3.0, help="parts 2 and 4: warm-up, not measured"
    )
    parser.add_argument(
        "--processes", type=int, default=4, help="parts 2 and 4: submitting processes"
    )
    parser.add_argument("--threads", type=int, default=8, help="parts 2 and 4: threads per process")
    parser.add_argument("--rounds", type=int, default=3, help="part 3")
    parser.add_argument(
        "--round-seconds", type=float, default=5.0, help="part 3: per mode and round"
    )
    parser.add_argument("--clients", type=int, default=8, help="part 3")
    parser.add_argument("--port", type=int, default=18320, help="part 3")
    args = parser.parse_args()
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown parts: {', '.join(unknown)} (known: {', '.join(PARTS)})")

    figure("machine cpus", os.cpu_count())
    figure("machine load 1 min at start", f"{os.getloadavg()[0]:.2f}")
    started = time.monotonic()
    if "core" in parts:
        core_part(args)
    env = server_env()
    if set(parts) - {"core"}:
        setup(env)
    ratio = None
    for part in parts:
        if part in ("matcher", "shards"):
            matcher_part(args, processes_env(env), shards=part == "shards")
        elif part == "http":
            ratio = http_part(args, processes_env(env))
    figure("machine load 1 min at end", f"{os.getloadavg()[0]:.2f}")
    figure("bench seconds", f"{time.monotonic() - started:.0f}")
    if ratio is not None:
        figure("crossing/read ratio", f"{ratio:.3f}")


if __name__ == "__main__":
    main()
