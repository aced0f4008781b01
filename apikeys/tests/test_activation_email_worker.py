"""With REDIS_URL set (CI), the activation email really travels: broker -> a real Celery worker -> email."""

import email
import os
import re
import subprocess
import sys
import time
from email import policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from activities.actor import Actor
from activities.models import Source
from apikeys.models import ApiKey
from apikeys.services import api_key_activation_confirm, api_key_activation_request
from apikeys.tests.factories import issue_key
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL (a real broker); CI sets it"
    ),
]


def worker_database_url() -> str:
    """The URL of the database this test runs in (pytest-django's test_<name>), for the worker process."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def wait_for_mail(folder: Path, timeout_s: float = 60) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.log"))
        if files and files[0].stat().st_size:
            raw = files[0].read_bytes().split(b"\n" + b"-" * 79 + b"\n")[0]
            return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]
        time.sleep(0.2)
    raise AssertionError(f"no email within {timeout_s} s")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_activation_email(tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False  # this test's task goes through the broker
    try:
        key, secret = issue_key(active=False, name="Worker bot")
        api_key_activation_request(key=key, actor=Actor(ip="10.0.0.1", source=Source.WEB))

        message = wait_for_mail(mail_dir)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()

    body = message.get_body(preferencelist=("plain",)).get_content()
    assert message["To"] == key.user.email
    assert "Worker bot" in message["Subject"]
    assert "Worker bot" in body
    assert secret not in body
    assert secret not in message.as_string()
    code = re.search(r"Activation code: (\d+)", body).group(1)
    api_key_activation_confirm(key=key, code=code, actor=Actor(ip="10.0.0.1", source=Source.WEB))
    assert ApiKey.objects.get(pk=key.pk).is_active
