import pytest

from accounts.services import user_create


@pytest.fixture
def user(db: None, password: str):  # type: ignore[no-untyped-def]
    """Here the customer is not verified yet (level "none", as after sign-up): the profile and its
    identity fields are still theirs to edit. Elsewhere the root `user` fixture is verified."""
    return user_create(
        email="trader@example.com", password=password, full_name="Ada Trader", country="GB"
    )
