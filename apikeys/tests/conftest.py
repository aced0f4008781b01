import pytest

from apikeys.tests.factories import enable_totp


@pytest.fixture
def totp_user(user):  # type: ignore[no-untyped-def]
    """The logged-in `user` (api_client's) with a confirmed authenticator."""
    enable_totp(user)
    return user
