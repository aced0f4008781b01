"""There is no Docker engine here: check the compose file's shape and the settings' fail-fast behaviour."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config import ws_server

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ["migrate", "web", "worker", "beat"]


def test_compose_runs_web_worker_beat_postgres_and_redis_wired_by_env():
    services = compose()["services"]

    assert set(services) >= {"proxy", "migrate", "web", "worker", "beat", "postgres", "redis"}
    # The matching tier: pairs split across matcher processes, fed through Redis Streams.
    shards = sorted(services[name]["command"] for name in services if name.startswith("matcher-"))
    assert shards == [
        "python manage.py matcher --shard 0/2",
        "python manage.py matcher --shard 1/2",
    ]
    assert services["web"]["environment"]["TRADING_MATCHER"] == "redis"
    assert "gunicorn" in services["web"]["command"]
    # Threaded workers: a door waiting for its pair's matcher to commit holds a thread, not a process.
    assert "--threads ${WEB_THREADS:-8}" in services["web"]["command"]
    assert '"--threads", "8"' in (ROOT / "Dockerfile").read_text()
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        for var in ["DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "API_KEY_ENCRYPTION_KEYS"]:
            assert var in env, (name, var)
        assert env["DJANGO_DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")


def test_a_tls_proxy_is_the_only_service_with_host_ports():
    services = compose()["services"]
    proxy = services["proxy"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()

    assert proxy["image"].startswith("caddy:")
    assert "443:443" in proxy["ports"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert "reverse_proxy web:8000" in caddyfile
    assert "{$DOMAIN:localhost}" in caddyfile  # localhost: Caddy's own CA; a public name: ACME
    for name in ["web", "worker", "beat", "matcher", "migrate"]:
        assert "ports" not in services.get(name, {}), name
    assert services["web"]["expose"] == ["8000"]


def test_forwarded_headers_are_trusted_from_the_proxy_address_only():
    services = compose()["services"]
    proxy_address = services["proxy"]["networks"]["backend"]["ipv4_address"]

    for name in APP_SERVICES:
        assert (
            services[name]["environment"]["TRUSTED_PROXIES"]
            == f"${{TRUSTED_PROXIES:-{proxy_address}}}"
        )


def test_migrations_run_once_in_a_job_the_app_services_wait_for():
    services = compose()["services"]

    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    for name in ["web", "worker", "beat"]:
        assert "migrate" not in services[name]["command"], name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_the_ws_service_serves_websockets_as_every_other_uvicorn_of_the_project():
    command = compose()["services"]["ws"]["command"].split()

    assert command[:2] == ["uvicorn", "config.asgi:application"]
    assert " ".join(ws_server.command_line()) in " ".join(command)


def test_web_worker_postgres_and_redis_have_healthchecks():
    services = compose()["services"]

    for name in ["web", "worker", "postgres", "redis"]:
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "-m", "config.healthcheck"]
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_image_never_carries_local_secrets_or_databases():
    ignored = (ROOT / ".dockerignore").read_text().split()

    for entry in [".env", "*.sqlite3", ".venv/", ".git/", ".tls/"]:
        assert entry in ignored


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_validates_the_file():
    result = subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(ROOT),
            "-f",
            "docker-compose.yml",
            "config",
            "-q",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SECRET_KEY": "x", "API_KEY_ENCRYPTION_KEYS": "y"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "API_KEY_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); "
            "print(settings.DEBUG)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _import_settings({"DJANGO_DEBUG": "false"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-" + "x" * 40)
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECRET_KEY)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            "DJANGO_SECRET_KEY_FILE": str(secret_file),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("x" * 40)


def test_development_mode_starts_with_embedded_defaults():
    result = _import_settings({"DJANGO_DEBUG": "true"})

    assert result.returncode == 0, result.stderr


def _settings_probe(code: str, env: dict[str, str], pythonpath: str = "") -> str:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_", "TRADING_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": pythonpath, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


SENTRY_ACTIVE = (
    "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
)


def test_sentry_starts_only_when_a_dsn_is_set():
    assert _settings_probe(SENTRY_ACTIVE, {}) == "False"
    assert _settings_probe(SENTRY_ACTIVE, {"SENTRY_DSN": "http://public@127.0.0.1:9/1"}) == "True"


def test_the_matchers_expiry_interval_comes_from_django_settings_where_env_files_land(tmp_path):
    # A settings module that sets the value itself, as `.env` does through the settings: os.environ has none.
    (tmp_path / "probe_settings.py").write_text(
        "from config.settings import *  # noqa\nTRADING_EXPIRY_INTERVAL_S = 7.5\n"
    )
    # The interval a matcher process schedules its timed commands with (trading/matcher/process.py).
    code = (
        "import django; django.setup(); import time; from trading.matcher.process import MatcherProcess; "
        "p = MatcherProcess(symbols=[], consumer='probe', url='redis://127.0.0.1:1/0'); "
        "print(round(p._next_timed - time.monotonic(), 1))"
    )

    shown = _settings_probe(code, {"DJANGO_SETTINGS_MODULE": "probe_settings"}, str(tmp_path))
    from_env = _settings_probe(code, {"TRADING_EXPIRY_INTERVAL_S": "2"})

    assert (shown, from_env) == ("7.5", "2.0")


def _settings_env_names() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'(?:env\.\w+|secret)\(\s*"([A-Z][A-Z0-9_]*)"', source))


def _readme_env_names() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Environment variables", 1)[1].split("Read by docker-compose.yml", 1)[
        0
    ]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row)}


def test_the_readme_lists_every_environment_variable_the_settings_read_and_no_other():
    read = _settings_env_names()

    assert (
        len(read) > 50
    )  # the pattern finds the reads (a change of style in settings.py must not hide them)
    assert _readme_env_names() == read


def test_the_demo_app_is_installed_only_with_debug_on():
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 50,
        "API_KEY_ENCRYPTION_KEYS": "ZGV2LW9ubHktYXBpLWtleS1lbmNyeXB0aW9uLWtleSE=",
        "DJANGO_ALLOWED_HOSTS": "exchange.example",
    }
    code = "import django; from django.conf import settings; django.setup(); print(*settings.INSTALLED_APPS)"

    assert "demo" not in _settings_probe(code, production).split()
    assert "demo" in _settings_probe(code, {"DJANGO_DEBUG": "true"}).split()
