"""A production `.env` copied from .env.example (as the README's operator section says) configures the app when
named, and never leaks into `make run` / `make test`, which read no env file."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.ALLOWED_HOSTS[0])"
)


def _settings(env_file: str | None, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"ENV_FILE", "DJANGO_DEBUG"}}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "API_KEY_ENCRYPTION_KEYS": "A" * 43 + "="}
    if env_file is not None:
        env["ENV_FILE"] = env_file
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_named_env_file_copied_from_the_example_configures_production(tmp_path):
    copied = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", copied)

    assert _settings(str(copied), tmp_path).startswith("False ")


def test_an_empty_env_file_setting_reads_no_file(tmp_path):
    assert _settings("", tmp_path) == "True 127.0.0.1"


def test_make_exports_an_empty_env_file_for_run_and_test():
    shown = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            'show-env-file: ; @echo "[$$ENV_FILE]"',
            "show-env-file",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "ENV_FILE"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert shown.stdout.strip() == "[]"
