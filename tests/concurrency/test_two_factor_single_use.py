"""One TOTP code, several requests at the same moment (PostgreSQL, real threads against the live server):
whatever the interleaving, the code is accepted once. Every path that takes a code is driven: login, API key
creation and deletion, turning 2FA off."""

from collections import Counter

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apikeys.models import ApiKey
from apikeys.tests.factories import enable_totp, issue_key
from tests.concurrency.live import anonymous_session, logged_in_session, parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 6


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def statuses(results: list) -> Counter:  # type: ignore[type-arg]
    return Counter(r.status_code if hasattr(r, "status_code") else repr(r) for r in results)


@pytest.fixture
def device(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return enable_totp(user)


def test_parallel_key_creations_with_one_code_create_exactly_one_key(live_server, user, device):
    sessions = [logged_in_session(live_server.url, user) for _ in range(REQUESTS)]
    code = current_code(device)

    def create(session, n=0):  # type: ignore[no-untyped-def]
        return session.post(
            f"{live_server.url}/api/v1/api-keys/",
            json={"name": f"bot {id(session)}", "permissions": ["read"], "code": code},
            timeout=30,
        )

    results = parallel([lambda s=s: create(s) for s in sessions])

    assert statuses(results) == {201: 1, 400: REQUESTS - 1}
    assert ApiKey.objects.filter(user=user).count() == 1


def test_parallel_key_deletions_with_one_code_delete_exactly_one_key(live_server, user, device):
    keys = [issue_key(user=user, name=f"key {n}")[0] for n in range(REQUESTS)]
    sessions = [logged_in_session(live_server.url, user) for _ in keys]
    code = current_code(device)

    results = parallel(
        [
            lambda s=s, k=k: s.post(
                f"{live_server.url}/api/v1/api-keys/{k.public_id}/delete/",
                json={"code": code},
                timeout=30,
            )
            for s, k in zip(sessions, keys, strict=True)
        ]
    )

    assert statuses(results) == {204: 1, 400: REQUESTS - 1}
    assert ApiKey.objects.filter(user=user).count() == REQUESTS - 1


def test_parallel_logins_with_one_code_open_exactly_one_session(
    live_server, user, device, password
):
    sessions = [anonymous_session(live_server.url) for _ in range(REQUESTS)]
    code = current_code(device)

    results = parallel(
        [
            lambda s=s: s.post(
                f"{live_server.url}/api/v1/auth/login/",
                json={"email": user.email, "password": password, "code": code},
                timeout=30,
            )
            for s in sessions
        ]
    )

    assert statuses(results) == {200: 1, 400: REQUESTS - 1}


def test_parallel_2fa_disables_with_one_code_succeed_once(live_server, user, device):
    sessions = [logged_in_session(live_server.url, user) for _ in range(REQUESTS)]
    code = current_code(device)

    results = parallel(
        [
            lambda s=s: s.post(
                f"{live_server.url}/api/v1/profile/2fa/disable/", json={"code": code}, timeout=30
            )
            for s in sessions
        ]
    )

    ok = sum(1 for r in results if getattr(r, "status_code", None) == 200)
    assert ok == 1
    assert not TOTPDevice.objects.filter(user=user).exists()
