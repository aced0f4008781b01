"""How every uvicorn of this project serves the WebSockets: the `ws` service (docker-compose.yml: a test keeps its
command in step), `manage.py serve` (`make run`), the tests' live servers and bench/ws.py.

* `websockets-sansio`: websockets' sans-I/O protocol (uvicorn >= 0.35). uvicorn's older `websockets` one is
  deprecated, and cost about 30 % more server CPU per pushed frame (bench/ws.py: 30 against 23 µs).
* No per-message deflate. Browsers and the `ws` library under the official Node client offer it by default; once
  granted, every socket keeps a zlib compressor (an idle socket measured 68 KiB with it, 30 KiB without; the
  target is 50 KB) and every push is compressed again for each socket it goes to. The frames are a few hundred
  bytes of JSON.
"""

OPTIONS: dict[str, str | bool] = {"ws": "websockets-sansio", "ws_per_message_deflate": False}


def command_line() -> list[str]:
    """`OPTIONS` as uvicorn's command-line arguments."""
    return [
        part
        for name, value in OPTIONS.items()
        for part in (f"--{name.replace('_', '-')}", str(value).lower())
    ]
