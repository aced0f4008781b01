"""There is no Docker engine here: check the compose file's shape and the settings' fail-fast behaviour."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_web_worker_beat_postgres_and_redis_wired_by_env():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ["web", "worker", "beat"]:
        env = services[name]["environment"]
        for var in ["DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "API_KEY_ENCRYPTION_KEYS"]:
            assert var in env, (name, var)
        assert env["DJANGO_DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]


def _import_settings(
    env: dict[str, str], shown: str = "settings.DEBUG"
) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with `env` only (no DJANGO_/API_KEY_ variables of ours); prints `shown`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "API_KEY_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; from django.conf import settings; django.setup(); print({shown})",
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


def test_the_demo_app_is_installed_only_with_debug_on():
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 50,
        "API_KEY_ENCRYPTION_KEYS": "ZGV2LW9ubHktYXBpLWtleS1lbmNyeXB0aW9uLWtleSE=",
        "DJANGO_ALLOWED_HOSTS": "exchange.example",
    }
    shown = "','.join(settings.INSTALLED_APPS)"
    in_production = _import_settings(production, shown)
    in_development = _import_settings({"DJANGO_DEBUG": "true"}, shown)
    assert in_production.returncode == 0, in_production.stderr
    assert in_development.returncode == 0, in_development.stderr
    assert "demo" not in in_production.stdout.strip().split(",")
    assert "demo" in in_development.stdout.strip().split(",")
