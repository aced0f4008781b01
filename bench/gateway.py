"""Benchmark: a signed private call against the same work without authentication.

    .venv/bin/python bench/gateway.py [--rounds 6] [--seconds 5] [--clients 3] [--port 18100]

Starts gunicorn (2 workers of 8 threads, as docker-compose runs web) on PostgreSQL + Redis
(`BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/exch_bench_gateway, created if missing;
`BENCH_REDIS_URL`, default redis://127.0.0.1:6379/7), with DEBUG off and persistent database connections, as in
production. Then, in interleaved rounds, it drives with the same client processes:

  signed    POST /api/spot/rest/get_pairs_info {"pairs":["BTC-USD"]} with a real key: key lookup, timestamp,
            HMAC, IP whitelist (30 ranges), permission, rate limit (raised so it never refuses), parameters,
            the read (one query), the envelope and the activity row;
  unsigned  POST /bench/unsigned/get_pairs_info, the same parameters, read, envelope and activity row with
            no authentication (bench/gateway_urls.py; mounted only by the benchmark's settings).

It prints calls per second and p50/p99 latency per mode and round, the totals, and their ratio.
"""

import argparse
import base64
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway import signing  # noqa: E402 (pure module, no Django)

# Threads per gunicorn worker: docker-compose's web (WEB_THREADS); 2 workers, as the issues measure.
THREADS = 8
BODY = b'{"pairs":["BTC-USD"]}'
ACTION = "get_pairs_info"
# 30 ranges, the most a key may hold, with the client's address last: the worst case for the check.
WHITELIST = [f"10.{i}.0.0/16" for i in range(29)] + ["127.0.0.0/8"]


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.gateway_settings",
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exch_bench_gateway"
        ),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        API_KEY_ENCRYPTION_KEYS=base64.b64encode(secrets.token_bytes(32)).decode(),
        SECURE_SSL_REDIRECT="false",
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        GATEWAY_RATE_LIMIT_PRIVATE=str(10**12),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str]) -> tuple[str, str, int]:
    """Migrate, load the market, and issue a fresh active key for the bench user. Returns (key, secret, user)."""
    ensure_database(env["DATABASE_URL"])
    os.environ.update(env)
    import io

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import User
    from accounts.services import user_create
    from activities.actor import Actor
    from apikeys import auth_cache
    from apikeys.models import ApiKey
    from apikeys.services import api_key_issue
    from demo import market

    call_command("migrate", verbosity=0)
    market.seed(io.StringIO())
    email = "bench@example.com"
    user = User.objects.filter(email=email).first() or user_create(
        email=email,
        password=secrets.token_urlsafe(16),
        full_name="Bench",
        verification_level="verified",
    )
    ApiKey.objects.filter(user=user).delete()  # a fresh key per run; the user's limit stays clear
    issued = api_key_issue(
        user=user,
        name="bench",
        permissions=["read", "trade", "funds_internal", "funds_wallet"],
        ip_whitelist=WHITELIST,
        active=True,
        actor=Actor.operator(),
    )
    # Issuing leaves a short tombstone (readers go to the database while it stands); the benchmark measures
    # the steady state, so it clears it instead of waiting it out.
    cache.delete(auth_cache.cache_key(issued.key.public_id))
    connections.close_all()
    return issued.key.public_id, issued.secret, user.pk


def raw_request(port: int, path: str, headers: list[str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(BODY)}",
        "Connection: close",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + BODY


def load(
    mode: str, port: int, seconds: float, key: str, secret: str
) -> tuple[int, int, list[float]]:
    """One client process: sequential requests until the deadline. Returns (ok, errors, latencies in s)."""
    latencies: list[float] = []
    errors = 0
    stamp = -1
    request = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if mode == "unsigned":
            if not request:
                request = raw_request(port, f"/bench/unsigned/{ACTION}", [])
        elif int(time.time()) != stamp:
            stamp = int(time.time())
            signature = signing.sign(
                secret=secret.encode(), action=ACTION, timestamp=str(stamp), body=BODY
            )
            request = raw_request(
                port,
                f"/api/spot/rest/{ACTION}",
                [
                    f"X-AGGR-KEY: {key}",
                    f"X-AGGR-TIMESTAMP: {stamp}",
                    f"X-AGGR-SIGNATURE: {signature}",
                ],
            )
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        latencies.append(time.perf_counter() - started)
        if not chunks or not chunks[0].startswith(b"HTTP/1.1 200"):
            errors += 1
    return len(latencies) - errors, errors, latencies


def start_gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn with 2 workers of `THREADS` threads (docker-compose's web, WEB_THREADS) on 127.0.0.1:`port`, in
    its own session so it can be stopped whole. With BENCH_PROFILE set to a folder, each worker runs under
    cProfile (bench/gunicorn_profile.py)."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    profile = ["-c", "bench/gunicorn_profile.py"] if os.environ.get("BENCH_PROFILE") else []
    return subprocess.Popen(
        [
            gunicorn,
            *profile,
            "config.wsgi:application",
            "--workers",
            "2",
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master's worker processes."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--port", type=int, default=18100)
    args = parser.parse_args()

    env = server_env(args.port)
    key, secret, user_id = prepare(env)
    env["BENCH_USER_ID"] = str(user_id)
    server = start_gunicorn(args.port, env)
    try:
        wait_for(args.port, server)
        pool = multiprocessing.get_context("fork").Pool(args.clients)
        jobs = [
            (mode, args.port, 1.0, key, secret) for mode in ("signed", "unsigned")
        ] * args.clients
        warm = pool.starmap(load, jobs)  # warm-up: connections, caches, compiled schedules
        if any(errors for _, errors, _ in warm):
            raise SystemExit("warm-up requests failed: is the server configured? (see its output)")
        totals: dict[str, list[float]] = {"signed": [], "unsigned": []}
        counts = {"signed": 0, "unsigned": 0}
        cpu = {"signed": 0.0, "unsigned": 0.0}
        errors = {"signed": 0, "unsigned": 0}
        print(
            f"{args.rounds} rounds x {args.seconds:g} s per mode, {args.clients} client processes, "
            f"gunicorn 2 workers x {THREADS} threads, PostgreSQL + Redis"
        )
        for number in range(args.rounds):
            order = ("signed", "unsigned") if number % 2 == 0 else ("unsigned", "signed")
            line = [f"round {number + 1}:"]
            for mode in order:
                cpu_before = workers_cpu(server.pid)
                results = pool.starmap(
                    load, [(mode, args.port, args.seconds, key, secret)] * args.clients
                )
                cpu[mode] += workers_cpu(server.pid) - cpu_before
                done = sum(ok for ok, _, _ in results)
                counts[mode] += done
                errors[mode] += sum(bad for _, bad, _ in results)
                for _, _, latencies in results:
                    totals[mode].extend(latencies)
                line.append(f"{mode} {done / args.seconds:7.1f}/s")
            print("  ".join(line))
        pool.close()
        duration = args.rounds * args.seconds
        print()
        for mode in ("signed", "unsigned"):
            latencies = totals[mode]
            print(
                f"{mode:>8}: {counts[mode] / duration:8.1f} calls/s  "
                f"p50 {percentile(latencies, 0.50) * 1000:6.2f} ms  "
                f"p99 {percentile(latencies, 0.99) * 1000:6.2f} ms  "
                f"mean {statistics.fmean(latencies) * 1000:6.2f} ms  "
                f"server CPU {cpu[mode] / max(1, counts[mode]) * 1000:5.2f} ms/call  errors {errors[mode]}"
            )
        print(
            f"   ratio: {counts['signed'] / max(1, counts['unsigned']):.3f} (signed / unsigned throughput)"
        )
        per_call = {mode: cpu[mode] / max(1, counts[mode]) for mode in cpu}
        print(
            f"   CPU ratio: {per_call['unsigned'] / max(1e-9, per_call['signed']):.3f} (unsigned / signed "
            "server CPU per call: what the throughput ratio tends to on a CPU-bound server)"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
