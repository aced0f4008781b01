"""Fixtures shared by every app's tests."""

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import user_create
from accounts.tests.factories import otp_login
from config.celery import app as celery_app


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests need row locks and real concurrency: they run only on PostgreSQL."""
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager():  # type: ignore[no-untyped-def]
    """Tasks run in-process, also when REDIS_URL makes the project default a real broker.

    A test that needs a real worker switches this off itself. With `namespace="CELERY"` the conf answers from
    the CELERY_-prefixed name; setting `task_always_eager` would silently change nothing.
    """
    previous = celery_app.conf.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture
def password() -> str:
    return "correct horse battery staple"


@pytest.fixture
def user(db: None, password: str):  # type: ignore[no-untyped-def]
    """A customer whose identity is verified (level "verified": may trade and move funds); tests of the levels
    and of profile edits make their own lower-level users."""
    return user_create(
        email="trader@example.com",
        password=password,
        full_name="Ada Trader",
        country="GB",
        verification_level="verified",
    )


@pytest.fixture
def other_user(db: None, password: str):  # type: ignore[no-untyped-def]
    return user_create(
        email="other@example.com",
        password=password,
        full_name="Other Person",
        verification_level="verified",
    )


@pytest.fixture
def staff_user(db: None, password: str):  # type: ignore[no-untyped-def]
    return user_create(
        email="staff@example.com", password=password, is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(staff_user) -> Client:  # type: ignore[no-untyped-def]
    """The admin, logged in as the superuser `staff_user` with password and 2FA."""
    return otp_login(Client(), staff_user)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    """A logged-in session client for `user` (CSRF checks off, as DRF's test client does by default)."""
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def csrf_client() -> APIClient:
    """A client that enforces CSRF like a browser would."""
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
