"""Benchmark: HTTP on gunicorn (WSGI, 2 workers of 8 threads) against uvicorn (ASGI, 2 workers), same calls.

    .venv/bin/python -m bench.http_servers [--rounds 2] [--seconds 5] [--clients 3] [--port 18400]

The decision it informs: does the REST API stay on WSGI workers in production once the WebSocket API needs an
ASGI server? Both servers run the same project on PostgreSQL + Redis (bench/gateway.py's set-up and its signed
`get_pairs_info` call: key lookup, HMAC, whitelist, rate limit, one read, the activity row), in interleaved
rounds. Prints calls/s, p50/p99 latency and worker CPU per call for each server as `name: value` lines.
"""

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gateway import (  # noqa: E402
    load,
    percentile,
    prepare,
    server_env,
    start_gunicorn,
    wait_for,
    workers_cpu,
)


def start_uvicorn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--workers", "2"]
    command += [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--port", type=int, default=18400)
    args = parser.parse_args()
    env = server_env(args.port)
    key, secret, _ = prepare(env)
    totals: dict[str, list[float]] = {"gunicorn": [], "uvicorn": []}
    counts = {name: [0, 0.0] for name in totals}  # calls, cpu seconds
    for _ in range(args.rounds):
        for name, start in (("gunicorn", start_gunicorn), ("uvicorn", start_uvicorn)):
            server = start(args.port, env)
            try:
                wait_for(args.port, server)
                cpu_before = workers_cpu(server.pid)
                with multiprocessing.Pool(args.clients) as pool:
                    results = pool.starmap(
                        load, [("signed", args.port, args.seconds, key, secret)] * args.clients
                    )
                counts[name][1] += workers_cpu(server.pid) - cpu_before
                for ok, _errors, latencies in results:
                    counts[name][0] += ok
                    totals[name].extend(latencies)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(20)
                time.sleep(0.5)
    for name, latencies in totals.items():
        calls, cpu = counts[name]
        elapsed = args.rounds * args.seconds
        print(f"{name}_calls_per_s: {calls / elapsed:.0f}")
        print(f"{name}_p50_ms: {percentile(sorted(latencies), 0.5) * 1000:.1f}")
        print(f"{name}_p99_ms: {percentile(sorted(latencies), 0.99) * 1000:.1f}")
        print(f"{name}_worker_cpu_ms_per_call: {cpu / max(1, calls) * 1000:.2f}")


if __name__ == "__main__":
    main()
