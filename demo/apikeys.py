"""The demo trader's API key, for the trading API and ccxt.

In the embedded mode (DEBUG on) the key has a fixed, documented id and secret, like the demo password, so a new
user can point a bot at `make run` straight from the README. `seed_demo` refuses to run with DEBUG off; should
this seeder be called otherwise, it still makes a fresh random secret and prints it once, as for any key.
"""

from typing import TextIO

from django.conf import settings

from activities.actor import Actor
from apikeys.models import ApiKey, Permission
from apikeys.services import api_key_issue
from demo.users import DEMO_EMAIL, demo_user

DEMO_KEY_NAME = "Demo bot key"
DEMO_KEY_ID = "demo-key-0123456789abcdefghijklmnopq"
DEMO_KEY_SECRET = "demo-secret-do-not-use-in-production-2026"  # noqa: S105 - documented, DEBUG only


def seed(stdout: TextIO) -> None:
    user = demo_user()
    existing = ApiKey.objects.filter(user=user, name=DEMO_KEY_NAME).first()
    if existing is not None:
        if existing.public_id == DEMO_KEY_ID:
            stdout.write(f"demo API key: {DEMO_KEY_ID}  secret: {DEMO_KEY_SECRET}")
        else:
            stdout.write(
                f"demo API key: {existing.public_id} (its secret was printed when it was made). "
                f"Make another: python manage.py apikey_create {DEMO_EMAIL} --name 'Another bot' "
                "--permissions read,trade,funds_internal,funds_wallet --active"
            )
        return
    issued = api_key_issue(
        user=user,
        name=DEMO_KEY_NAME,
        permissions=Permission.values,
        active=True,
        actor=Actor.system(),
        fixed_credentials=(DEMO_KEY_ID, DEMO_KEY_SECRET) if settings.DEBUG else None,
    )
    stdout.write(f"demo API key: {issued.key.public_id}  secret: {issued.secret}")
