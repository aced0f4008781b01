"""Helpers for concurrency tests: a barrier so every call (a service call, or a real HTTP request to
pytest-django's live server on a free port) leaves at the same moment, and browser-like sessions."""

import threading
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection


def parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same moment, each in its own thread (and database connection, closed after);
    return each result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def anonymous_session(base_url: str) -> requests.Session:
    """A session holding a CSRF cookie, sending it back as `X-CSRFToken` like the frontend does."""
    session = requests.Session()
    session.trust_env = False  # never route localhost calls through a proxy
    session.get(f"{base_url}/api/v1/auth/csrf/", timeout=10).raise_for_status()
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def logged_in_session(base_url: str, user: Any) -> requests.Session:
    """A browser session of `user` (a server-side session made directly, so no TOTP code is spent on login)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    session = requests.Session()
    session.trust_env = False
    session.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key)
    session.get(f"{base_url}/api/v1/auth/csrf/", timeout=10).raise_for_status()
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session
