"""`python -m config.healthcheck`: the container healthcheck of the web service (exit 0 when /healthz is 200).

It asks the local gunicorn with the first of `DJANGO_ALLOWED_HOSTS` as the Host header, as a request through the
proxy would arrive: `127.0.0.1` is not an allowed host, so a bare request would get 400. `/healthz` is exempt
from the HTTPS redirect. The port is `PORT` (8000).
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")]
    host = next((h.lstrip(".") for h in hosts if h and h != "*"), "localhost")
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(  # noqa: S310 - a fixed http URL on the loopback
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
