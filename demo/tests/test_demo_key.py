from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apikeys.models import ApiKey
from apikeys.selectors import api_key_get_for_auth
from demo.apikeys import DEMO_KEY_ID, DEMO_KEY_SECRET


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _key_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("demo API key:"))


def test_outside_debug_seed_demo_refuses_and_creates_nothing(db, settings):
    from accounts.models import User
    from activities.models import Activity

    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        _seed()

    assert not User.objects.exists()
    assert not ApiKey.objects.exists()
    assert not Activity.objects.exists()


def test_in_the_embedded_mode_the_demo_key_is_the_documented_one(db, settings):
    settings.DEBUG = True
    first, second = _seed(), _seed()

    auth = api_key_get_for_auth(public_id=DEMO_KEY_ID)
    assert auth is not None
    assert auth.is_active
    assert auth.secret == DEMO_KEY_SECRET.encode()
    assert (
        _key_line(first)
        == _key_line(second)
        == (f"demo API key: {DEMO_KEY_ID}  secret: {DEMO_KEY_SECRET}")
    )
    assert ApiKey.objects.count() == 1


def test_the_demo_keys_creation_is_recorded_under_its_documented_id(db, settings):
    from activities.models import Activity, ActivityType

    settings.DEBUG = True
    _seed()

    row = Activity.objects.get(action=ActivityType.APIKEY_CREATED)
    assert row.api_key == DEMO_KEY_ID
    assert DEMO_KEY_SECRET not in str(row.details)
