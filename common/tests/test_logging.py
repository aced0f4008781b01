"""Log lines: JSON when asked, and the request id on every line, inside a request and outside one."""

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory

from common.logging import JsonFormatter
from common.request_id import RequestIdFilter, RequestIdMiddleware

ROOT = Path(__file__).resolve().parents[2]


def _logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("test.json_lines")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_json_lines_carry_the_request_id_of_the_request_they_belong_to():
    stream = io.StringIO()
    logger = _logger(stream)

    def view(request):  # type: ignore[no-untyped-def]
        logger.warning("inside %s", "the view")
        try:
            int("boom")
        except ValueError:
            logger.exception("failed")
        return HttpResponse()

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-12345678"))

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "inside the view"
    assert (first["level"], first["logger"], first["request_id"]) == (
        "WARNING",
        "test.json_lines",
        "req-12345678",
    )
    assert second["request_id"] == "req-12345678"
    assert "ValueError: invalid literal" in second["exception"]


def test_log_format_json_is_what_the_settings_configure():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('probe').warning('hello %s', 'there')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["message"], line["request_id"], line["logger"]) == ("hello there", "-", "probe")


def test_an_unknown_log_format_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_FORMAT": "xml",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr
