"""`make run`'s admin: the demo admin logs in with password and the code `demo_admin_code` prints."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.users import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_admin_logs_in_with_the_printed_code(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_admin_code", stdout=out)

    response = client.post(
        reverse("admin:login"),
        {"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "otp_token": out.getvalue().strip()},
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_code_command_refuses_outside_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("demo_admin_code", stdout=StringIO())
