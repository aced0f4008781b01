"""Production mode as docker-compose runs it: gunicorn with DEBUG off, behind a proxy, with static files
collected. The server is a real gunicorn process on a free port with its own environment and SQLite file;
the "proxy" is 127.0.0.1 (TRUSTED_PROXIES), a direct client is 127.0.0.2.
"""

import base64
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from demo.apikeys import DEMO_KEY_ID, DEMO_KEY_SECRET
from demo.users import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOTP_KEY, DEMO_EMAIL, DEMO_PASSWORD
from gateway.signing import sign

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
HOST = "exchange.test"
PROXY, DIRECT = "127.0.0.1", "127.0.0.2"
STAFF_EMAIL, STAFF_PASSWORD = "ops@exchange.test", "a-long-staff-password-2026"
VIA_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def cookies(self) -> dict[str, str]:
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name] = rest.split(";")[0]
        return found


@dataclass
class Server:
    port: int
    env: dict[str, str]
    log: Path

    def call(
        self,
        method: str,
        path: str,
        *,
        source: str = PROXY,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=20, source_address=(source, 0)
        )
        try:
            conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = conn.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _count_users(env: dict[str, str]) -> int:
    shell = _manage(
        env, "shell", "-c", "from accounts.models import User; print(User.objects.count())"
    )
    assert shell.returncode == 0, shell.stderr
    return int(shell.stdout.split()[-1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("production")
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "API_KEY_", "DATABASE_", "REDIS_", "CELERY_", "SENTRY_"))
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "API_KEY_ENCRYPTION_KEYS": base64.b64encode(os.urandom(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "TRUSTED_PROXIES": PROXY,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_FORMAT": "json",
    }
    for step in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        done = _manage(env, *step)
        assert done.returncode == 0, done.stderr
    seeded = _manage(env, "seed_demo")
    assert seeded.returncode != 0
    # With DEBUG off the demo app is not installed: its commands do not exist.
    assert "Unknown command: 'seed_demo'" in seeded.stderr
    assert _count_users(env) == 0
    created = _manage(env, "user_create", STAFF_EMAIL, "--password", STAFF_PASSWORD, "--staff")
    assert created.returncode == 0, created.stderr
    device = _manage(
        env,
        "shell",
        "-c",
        "from accounts.models import User; from django_otp.plugins.otp_totp.models import TOTPDevice; "
        f"TOTPDevice.objects.create(user=User.objects.get(email='{STAFF_EMAIL}'), name='phone', "
        "confirmed=True)",
    )
    assert device.returncode == 0, device.stderr

    port = _free_port()
    log = tmp / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + [
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        # Wait for the compose healthcheck itself to pass (bounded; no timing is asserted).
        check = {**env, "PORT": str(port)}
        for _ in range(120):
            probe = subprocess.run(
                [sys.executable, "-m", "config.healthcheck"],
                cwd=ROOT,
                env=check,
                capture_output=True,
                check=False,
            )
            if probe.returncode == 0 or process.poll() is not None:
                break
            time.sleep(0.5)
        assert probe.returncode == 0, log.read_text()[-3000:]
        yield Server(port=port, env=env, log=log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_healthz_is_200_through_the_configured_host(server):
    assert server.call("GET", "/healthz").status == 200
    assert (
        server.call("GET", "/healthz", source=DIRECT).status == 200
    )  # exempt from the https redirect
    # What the old compose healthcheck did: a bare loopback Host is not an allowed host.
    assert server.call("GET", "/healthz", headers={"Host": "127.0.0.1"}).status == 400


def test_static_files_are_served(server):
    answer = server.call("GET", "/static/admin/css/base.css", headers=VIA_PROXY)

    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/css")
    assert b"body" in answer.body


def test_the_web_app_and_its_modules_are_served(server):
    shell = server.call("GET", "/", headers=VIA_PROXY)
    assert shell.status == 200
    assert "csrftoken" in shell.cookies()
    entry = re.search(rb'src="(/static/web/app\.[0-9a-f]{12}\.js)"', shell.body)
    assert entry, shell.body[
        :500
    ]  # the entry module has a hashed name: a deploy cannot serve a stale one

    for path in (entry.group(1).decode(), "/static/web/api.js", "/static/web/pages/apikeys.js"):
        module = server.call("GET", path, headers=VIA_PROXY)
        assert module.status == 200, path
        assert "javascript" in module.headers["Content-Type"], path
    # An e-mailed link lands on the app too.
    assert server.call("GET", "/account/verify-email/some-key", headers=VIA_PROXY).status == 200


def test_a_forged_forwarded_proto_from_a_non_proxy_changes_nothing(server):
    path = "/api/v1/auth/csrf/"
    plain = server.call("GET", path, source=DIRECT)
    forged = server.call("GET", path, source=DIRECT, headers={"X-Forwarded-Proto": "https"})
    proxied = server.call("GET", path, headers=VIA_PROXY)

    assert (plain.status, plain.headers["Location"]) == (301, f"https://{HOST}{path}")
    assert (forged.status, forged.headers["Location"]) == (plain.status, plain.headers["Location"])
    assert proxied.status == 200
    assert "Secure" in proxied.headers["Set-Cookie"]


def _admin_login(server: Server, email: str, password: str, code: str = "") -> Answer:
    form = server.call("GET", "/admin/login/", headers=VIA_PROXY)
    csrf_cookie = form.cookies()["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1).decode()
    body = (
        f"csrfmiddlewaretoken={token}&username={email}&password={password}&otp_token={code}"
        "&next=/admin/"
    ).encode()
    return server.call(
        "POST",
        "/admin/login/",
        headers={
            **VIA_PROXY,
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"https://{HOST}/admin/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=body,
    )


def test_the_admin_refuses_a_password_only_login(server):
    answer = _admin_login(server, STAFF_EMAIL, STAFF_PASSWORD)

    assert answer.status == 200
    assert b"Enter the code from your authenticator app" in answer.body
    assert "sessionid" not in answer.cookies()
    index = server.call("GET", "/admin/", headers=VIA_PROXY)
    assert (index.status, index.headers["Location"]) == (302, "/admin/login/?next=/admin/")


def _json_login(server: Server, email: str, password: str) -> Answer:
    csrf = server.call("GET", "/api/v1/auth/csrf/", headers=VIA_PROXY).cookies()["csrftoken"]
    return server.call(
        "POST",
        "/api/v1/auth/login/",
        headers={
            **VIA_PROXY,
            "Cookie": f"csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Referer": f"https://{HOST}/",
            "Content-Type": "application/json",
        },
        body=json.dumps({"email": email, "password": password}).encode(),
    )


def test_every_documented_demo_credential_fails(server):
    for email, password in [(DEMO_EMAIL, DEMO_PASSWORD), (ADMIN_EMAIL, ADMIN_PASSWORD)]:
        answer = _json_login(server, email, password)
        assert answer.status == 400, answer.body
        assert json.loads(answer.body)["error"]["code"] == "invalid_credentials"
    code = f"{TOTP(ADMIN_TOTP_KEY).token():06d}"  # from the published demo authenticator secret
    admin = _admin_login(server, ADMIN_EMAIL, ADMIN_PASSWORD, code)
    assert b"Email or password is incorrect." in admin.body
    assert "sessionid" not in admin.cookies()

    body = b"{}"
    timestamp = str(int(time.time()))
    signed = server.call(
        "POST",
        "/api/spot/rest/get_my_wallet_balance",
        headers={
            **VIA_PROXY,
            "Content-Type": "application/json",
            "X-AGGR-KEY": DEMO_KEY_ID,
            "X-AGGR-TIMESTAMP": timestamp,
            "X-AGGR-SIGNATURE": sign(
                secret=DEMO_KEY_SECRET.encode(),
                action="get_my_wallet_balance",
                timestamp=timestamp,
                body=body,
            ),
        },
        body=body,
    )
    assert signed.status == 401
    assert _count_users(server.env) == 1  # the staff member this module made, nobody else


def test_log_lines_are_json_with_the_request_id(server):
    server.call(
        "GET", "/healthz", headers={"Host": "127.0.0.1", "X-Request-ID": "probe-bad-host-1"}
    )

    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")
    ]

    assert lines
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    assert any(
        line["request_id"] == "probe-bad-host-1" and "Invalid HTTP_HOST" in line["message"]
        for line in lines
    )
