import pytest
from django.core.management import CommandError, call_command

from accounts.models import User


def test_creates_a_user_with_profile_fields(db, capsys):
    call_command(
        "user_create",
        "Ops@Example.com",
        "--password",
        "pw-12345678",
        "--full-name",
        "Op Erator",
        "--country",
        "nl",
        "--staff",
    )

    user = User.objects.get(email="ops@example.com")
    assert (user.full_name, user.country.code, user.is_staff, user.is_superuser) == (
        "Op Erator",
        "NL",
        True,
        True,
    )
    assert user.check_password("pw-12345678")
    assert user.public_id in capsys.readouterr().out


def test_refuses_a_duplicate_email(db):
    call_command("user_create", "a@example.com", "--password", "pw-12345678")

    with pytest.raises(CommandError, match="already exists"):
        call_command("user_create", "A@example.com", "--password", "pw-12345678")


def test_refuses_an_unknown_country(db):
    with pytest.raises(CommandError, match="country"):
        call_command("user_create", "b@example.com", "--password", "pw-12345678", "--country", "XX")

    assert not User.objects.exists()
