"""API_KEY_ENCRYPTION_KEYS at start-up: a development key only with DEBUG on, otherwise fail fast and clearly."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("API_KEY_", "DJANGO_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.API_KEY_ENCRYPTION_KEYS)"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PROD = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50}


def test_missing_keys_stop_start_up_when_debug_is_off():
    result = load_settings(**PROD)
    assert result.returncode != 0
    assert "API_KEY_ENCRYPTION_KEYS is not set" in result.stderr


def test_the_development_key_is_used_only_with_debug_on():
    result = load_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("value", ["not-base64!!", base64.b64encode(b"short").decode()])
def test_malformed_keys_stop_start_up(value):
    result = load_settings(**PROD, API_KEY_ENCRYPTION_KEYS=value)
    assert result.returncode != 0
    assert "32 random bytes" in result.stderr


def test_keys_come_from_the_environment_or_a_file(tmp_path):
    first, second = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    result = load_settings(**PROD, API_KEY_ENCRYPTION_KEYS=f"{first}, {second}")
    assert result.returncode == 0, result.stderr
    assert first in result.stdout
    assert second in result.stdout
    key_file = tmp_path / "keys"
    key_file.write_text(f"{second}\n")
    result = load_settings(**PROD, API_KEY_ENCRYPTION_KEYS_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    assert second in result.stdout


def test_defaults():
    assert settings.API_KEY_MAX_PER_USER == 20
    assert settings.API_KEY_WHITELIST_MAX == 30
    assert settings.API_KEY_ACTIVATION_CODE_TTL_S == 600
    assert settings.API_KEY_ACTIVATION_MAX_ATTEMPTS == 5
