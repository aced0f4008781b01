"""Benchmark: the WebSocket book stream with 500 subscribers while the market maker trades (`make bench-ws`).

    .venv/bin/python -m bench.ws [--sockets 500] [--seconds 20] [--port 18300] [--pair BTC-USDT]
                                 [--client raw|websockets]

Production shape, three processes on PostgreSQL + Redis (`BENCH_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/exch_bench_ws, created if missing; `BENCH_REDIS_URL`, default
redis://127.0.0.1:6379/7):

  server   one uvicorn process serving config.asgi as the `ws` service does (config/ws_server.py), DEBUG off;
  maker    the demo market maker (demo/market_maker.py) in rounds every 0.2 s; a sink next to the gateway's
           notes when each `order_book_increment` of the pair was handed over after commit;
  clients  this process: `--sockets` idle sockets first (memory per idle socket: the server's RSS growth /
           sockets), then all of them subscribed to the pair's book. `raw` (the default): `RawClient`, a
           minimal client that time-stamps each frame as its bytes are read; `websockets`: the library's
           asyncio client, as the bench used before (it costs the client process 3x the CPU per frame, so
           with 500 sockets in one process it measures much of its own backlog).

`increments_out_of_line` counts the frames whose `seqId` is not the one before it plus one, over every socket
(a hole, a repeat or a reordering; 0 is the only right answer). Push latency is the client's receive time minus the maker's after-commit time of the same `seqId` (one clock,
one machine). Server (client) CPU per message is the server's (this process's) CPU time over the trading window
divided by the frames the clients received in it. Prints `name: value` lines. Bounded: `--seconds` of trading
plus set-up.
"""

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.frames import Close, Frame, Opcode  # noqa: E402

from bench.gateway import ensure_database, percentile, server_env, wait_for  # noqa: E402
from config import ws_server  # noqa: E402


def _env(port: int) -> dict[str, str]:
    env = server_env(port)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exch_bench_ws"
    )
    env["GATEWAY_WS_IDLE_S"] = "3600"
    env["GATEWAY_RATE_LIMIT_PUBLIC"] = str(10**9)
    env["GATEWAY_WS_MAX_SOCKETS_PER_IP"] = "0"  # every client socket comes from 127.0.0.1
    return env


def _prepare(env: dict[str, str]) -> None:
    ensure_database(env["DATABASE_URL"])
    subprocess.run(  # noqa: PLW1510
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    # The demo app (and so seed_demo) is installed only with DEBUG on; the bench database is throwaway.
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        env={**env, "DJANGO_DEBUG": "true"},
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def maker_main(pair: str, seconds: float, out: str) -> None:
    """The maker process: trade for `seconds`, then write {seq: after-commit time} of `pair`'s increments."""
    import random

    import django

    django.setup()
    from common.events import subscribe
    from demo import market_maker
    from trading.events import BookEvent

    commits: dict[int, float] = {}

    def note(event: object) -> None:
        if isinstance(event, BookEvent) and event.pair.symbol == pair:
            commits[event.seq] = time.time()

    subscribe(note)
    deadline = time.monotonic() + seconds

    def sleep(interval: float) -> None:
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(interval)

    with contextlib.suppress(TimeoutError):
        market_maker.run(
            iterations=0,
            interval=0.2,
            trade_probability=0.7,
            rng=random.Random(7),  # noqa: S311
            stdout=open(os.devnull, "w"),  # noqa: SIM115
            sleep=sleep,
        )
    time.sleep(1)  # let the push sender drain
    Path(out).write_text(json.dumps(commits))


INCREMENT = b'"order_book_increment"'
SEQ_ID = re.compile(rb'"seqId":(\d+)')


class RawClient(asyncio.Protocol):
    """A WebSocket client socket cut down to what the bench needs: the upgrade, masked text frames out, the
    server's frames in, and every `order_book_increment` time-stamped the moment its bytes are read.

    websockets' asyncio client costs about 35 µs of this process's CPU per received frame (a reader task, a
    queue, the waiter's wake-up, then the caller's decode): 17 ms per increment for 500 sockets, during which
    the later sockets' frames wait in their buffers; real clients each have their own process. This one costs
    about 10 µs (mostly the read itself)."""

    def __init__(self, host: str, path: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.buffer = b""
        self.upgraded = False
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.increments: list[tuple[int, float]] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer + data
        if not self.upgraded:
            head, found, buffer = buffer.partition(b"\r\n\r\n")
            if not found:
                self.buffer = head
                return
            if not head.startswith(b"HTTP/1.1 101"):
                raise ConnectionError(head.decode("latin-1"))
            self.upgraded = True
        at = 0
        while len(buffer) - at >= 2:
            opcode, length, start = buffer[at] & 0x0F, buffer[at + 1] & 0x7F, at + 2
            if length == 126:
                length, start = int.from_bytes(buffer[at + 2 : at + 4], "big"), at + 4
            elif length == 127:
                length, start = int.from_bytes(buffer[at + 2 : at + 10], "big"), at + 10
            if len(buffer) < start + length:
                break
            payload, at = buffer[start : start + length], start + length
            if opcode == Opcode.PING:
                self._write(Opcode.PONG, payload)
            elif INCREMENT in payload:
                self.increments.append((int(SEQ_ID.search(payload)[1]), now))  # type: ignore[index]
            else:
                self.inbox.put_nowait(payload)
        self.buffer = buffer[at:]

    def _write(self, opcode: Opcode, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(Frame(opcode, payload).serialize(mask=True))

    def send(self, text: str) -> None:
        self._write(Opcode.TEXT, text.encode())

    async def recv(self) -> bytes:
        return await self.inbox.get()

    def close(self) -> None:
        self._write(Opcode.CLOSE, Close(1000, "").serialize())
        assert self.transport is not None
        self.transport.close()


async def _open_raw(port: int, path: str) -> RawClient:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: RawClient(f"127.0.0.1:{port}", path), "127.0.0.1", port
    )
    first = await asyncio.wait_for(client.recv(), 30)
    if first != b'{"e":"connected"}':
        raise ConnectionError(first.decode())
    return client


async def _clients(
    port: int,
    pair: str,
    sockets: int,
    seconds: float,
    server_pid: int,
    start_maker: Any,
    kind: str,
) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    path = "/api/spot/ws-public"
    rss_before = _rss_kib(server_pid)
    conns: list[Any] = []
    for _ in range(sockets):
        if kind == "raw":
            conns.append(await _open_raw(port, path))
        else:
            conn = await connect(
                f"ws://127.0.0.1:{port}{path}", open_timeout=30, max_queue=None, compression=None
            )
            first = await conn.recv()
            if first != '{"e":"connected"}':
                raise ConnectionError(first)
            conns.append(conn)
    await asyncio.sleep(1)
    rss_idle = _rss_kib(server_pid)
    received: list[list[tuple[int, float]]] = [
        conn.increments if kind == "raw" else [] for conn in conns
    ]
    subscribed = [asyncio.Event() for _ in conns]
    t_subscribe = time.time()

    async def subscribe(index: int) -> None:
        conn = conns[index]
        request = json.dumps(
            {"e": "order_book_subscribe", "data": {"pair": pair}, "oid": f"{index}_s"}
        )
        if kind == "raw":
            conn.send(request)
            await conn.recv()  # the snapshot
            subscribed[index].set()
            return
        await conn.send(request)
        await conn.recv()  # the snapshot
        subscribed[index].set()
        while True:
            raw = await conn.recv()
            now = time.time()
            if '"order_book_increment"' in raw:
                received[index].append((json.loads(raw)["data"]["seqId"], now))

    tasks = [asyncio.create_task(subscribe(i)) for i in range(len(conns))]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in subscribed)), 120)
    subscribe_s = time.time() - t_subscribe
    start_maker()
    cpu_start, client_cpu_start, t_start = (
        _cpu_seconds(server_pid),
        time.process_time(),
        time.time(),
    )
    await asyncio.sleep(seconds)
    cpu_used, elapsed = _cpu_seconds(server_pid) - cpu_start, time.time() - t_start
    client_cpu = time.process_time() - client_cpu_start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for conn in conns:
        if kind == "raw":
            conn.close()
        else:
            await conn.close()
    in_window = [(seq, at) for frames in received for seq, at in frames if at >= t_start]
    return {
        "subscribe_s": subscribe_s,
        "idle_kib_per_socket": (rss_idle - rss_before) / max(1, sockets),
        "cpu_used": cpu_used,
        "client_cpu": client_cpu,
        "elapsed": elapsed,
        "frames": float(len(in_window)),
        "received": received,  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("BENCH_WS_SECONDS", "20"))
    )
    parser.add_argument("--port", type=int, default=18300)
    parser.add_argument("--pair", default="BTC-USDT")
    parser.add_argument("--client", choices=("raw", "websockets"), default="raw")
    args = parser.parse_args()

    env = _env(args.port)
    _prepare(env)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            *ws_server.command_line(),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    maker = None
    try:
        wait_for(args.port, server)
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            makers: list[subprocess.Popen[bytes]] = []

            def start_maker() -> None:
                command = [sys.executable, "-m", "bench.ws", "--maker", args.pair]
                command += [str(args.seconds), out.name]
                makers.append(subprocess.Popen(command, env=env, cwd=ROOT))

            result = asyncio.run(
                _clients(
                    args.port,
                    args.pair,
                    args.sockets,
                    args.seconds + 3,
                    server.pid,
                    start_maker,
                    args.client,
                )
            )
            maker = makers[0]
            maker.wait(args.seconds + 120)
            commits = {int(seq): at for seq, at in json.loads(Path(out.name).read_text()).items()}
    finally:
        for proc in (maker, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(20)
    latencies = sorted(
        (at - commits[seq]) * 1000
        for frames in result["received"]  # type: ignore[union-attr]
        for seq, at in frames
        if seq in commits
    )
    frames = result["frames"]
    # Every socket must see every increment once, in order, from its snapshot on (the window may end before the
    # last ones arrive: only holes and repeats count).
    out_of_line = sum(
        sum(1 for earlier, later in itertools.pairwise(received) if later[0] != earlier[0] + 1)
        for received in result["received"]  # type: ignore[union-attr]
    )
    print(f"sockets: {args.sockets}")
    print("server: uvicorn 1 process, PostgreSQL + Redis channel layer")
    print(f"book_increments_published: {len(commits)}")
    print(f"frames_delivered: {int(frames)}")
    print(f"increments_out_of_line: {out_of_line}")
    print(f"push_latency_p50_ms: {percentile(latencies, 0.50):.1f}")
    print(f"push_latency_p99_ms: {percentile(latencies, 0.99):.1f}")
    print(f"push_latency_max_ms: {latencies[-1] if latencies else 0:.1f}")
    print(f"messages_per_s: {frames / result['elapsed']:.0f}")
    print(f"server_cpu_us_per_message: {result['cpu_used'] / max(1.0, frames) * 1e6:.0f}")
    print(f"client_cpu_us_per_message: {result['client_cpu'] / max(1.0, frames) * 1e6:.0f}")
    print(f"subscribe_500_s: {result['subscribe_s']:.1f}".replace("500", str(args.sockets)))
    print(f"memory_per_idle_socket_kib: {result['idle_kib_per_socket']:.1f}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--maker":
        maker_main(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        main()
