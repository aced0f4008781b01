"""`api_key_get_for_auth`: the gateway's per-request lookup, its shared cache and its invalidation."""

import pytest
from django.core.cache import cache

from activities.actor import Actor
from activities.models import Source
from apikeys import auth_cache
from apikeys.selectors import api_key_get_for_auth
from apikeys.services import api_key_delete, api_key_issue, api_key_update
from apikeys.tests.factories import enable_totp, issue_key, totp_code


def test_returns_the_key_with_its_plaintext_secret_and_permissions(db):
    key, secret = issue_key(permissions=["trade"], ip_whitelist=["10.0.0.0/8"])

    auth = api_key_get_for_auth(public_id=key.public_id)

    assert auth.id == key.pk
    assert auth.user_id == key.user_id
    assert auth.public_id == key.public_id
    assert auth.is_active is True
    assert auth.permissions == frozenset({"read", "trade"})
    assert [str(net) for net in auth.networks] == ["10.0.0.0/8"]
    assert auth.secret == secret.encode()
    assert secret not in repr(auth)


def test_inactive_keys_are_returned_so_the_gateway_can_say_why(db):
    key, _ = issue_key(active=False)
    assert api_key_get_for_auth(public_id=key.public_id).is_active is False


@pytest.mark.parametrize("public_id", ["unknown-id", "", "a" * 65, "has space", "bad/char", "ünï"])
def test_unknown_or_malformed_ids_give_none(db, public_id):
    assert api_key_get_for_auth(public_id=public_id) is None


def test_a_warm_cache_answers_without_a_query(db, django_assert_num_queries):
    key, secret = issue_key()
    api_key_get_for_auth(public_id=key.public_id)
    with django_assert_num_queries(0):
        assert api_key_get_for_auth(public_id=key.public_id).secret == secret.encode()


def test_unknown_ids_are_remembered_briefly(db, django_assert_num_queries):
    api_key_get_for_auth(public_id="nosuchkey")
    with django_assert_num_queries(0):
        assert api_key_get_for_auth(public_id="nosuchkey") is None


def test_the_cache_never_holds_the_plaintext_secret(db):
    key, secret = issue_key()
    api_key_get_for_auth(public_id=key.public_id)
    entry = cache.get(auth_cache.cache_key(key.public_id))
    assert isinstance(entry, auth_cache.Entry)
    assert secret.encode() not in entry.secret_encrypted
    assert secret not in repr(entry)


def test_a_new_key_is_found_even_if_its_id_was_looked_up_before_the_commit(
    db, django_capture_on_commit_callbacks
):
    user = issue_key()[0].user
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issued = api_key_issue(user=user, name="later", permissions=["read"], actor=Actor.system())
    # A lookup that ran before the commit remembered "unknown"; the creation's commit must override it.
    cache.set(auth_cache.cache_key(issued.key.public_id), auth_cache.UNKNOWN)
    for callback in callbacks:
        callback()
    assert api_key_get_for_auth(public_id=issued.key.public_id) is not None


def test_deletion_is_seen_at_once_with_a_warm_cache(db, django_capture_on_commit_callbacks):
    key, _ = issue_key()
    enable_totp(key.user)
    api_key_get_for_auth(public_id=key.public_id)

    with django_capture_on_commit_callbacks(execute=True):
        api_key_delete(
            key=key, totp_code=totp_code(key.user), actor=Actor(ip=None, source=Source.WEB)
        )

    assert api_key_get_for_auth(public_id=key.public_id) is None


def test_a_reader_that_loaded_the_old_row_cannot_write_it_back_over_the_invalidation(
    db, django_capture_on_commit_callbacks
):
    key, _ = issue_key(active=True)
    cache.delete(auth_cache.cache_key(key.public_id))
    stale_entry = auth_cache.Entry(
        id=key.pk,
        user_id=key.user_id,
        is_active=True,
        permissions=("read",),
        ip_whitelist=(),
        secret_encrypted=bytes(key.secret_encrypted),
    )
    # The change commits and invalidates between the reader's database read and its cache fill.
    with django_capture_on_commit_callbacks(execute=True):
        api_key_update(key=key, permissions=["read"], actor=Actor(ip=None, source=Source.WEB))
    auth_cache.fill(key.public_id, stale_entry)

    assert cache.get(auth_cache.cache_key(key.public_id)) == auth_cache.STALE
    assert api_key_get_for_auth(public_id=key.public_id).is_active is False


def test_while_the_tombstone_stands_readers_go_to_the_database(db, django_assert_num_queries):
    key, _ = issue_key()
    auth_cache.invalidate(key.public_id)
    for _ in range(2):
        with django_assert_num_queries(1):
            api_key_get_for_auth(public_id=key.public_id)
    cache.delete(auth_cache.cache_key(key.public_id))  # the tombstone expired
    api_key_get_for_auth(public_id=key.public_id)
    with django_assert_num_queries(0):
        api_key_get_for_auth(public_id=key.public_id)


def test_invalidation_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    key, _ = issue_key()
    api_key_get_for_auth(public_id=key.public_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_key_update(key=key, permissions=["read"], actor=Actor(ip=None, source=Source.WEB))
    assert isinstance(cache.get(auth_cache.cache_key(key.public_id)), auth_cache.Entry)
    for callback in callbacks:
        callback()
    assert cache.get(auth_cache.cache_key(key.public_id)) == auth_cache.STALE


@pytest.mark.django_db(transaction=True)
def test_deactivation_is_seen_at_once_after_a_real_commit():
    # No test transaction around it: on_commit fires for real, on locmem and on Redis alike.
    from apikeys.services import api_key_deactivate

    key, _ = issue_key(active=True)
    assert api_key_get_for_auth(public_id=key.public_id).is_active
    api_key_deactivate(key=key, actor=Actor(ip=None, source=Source.WEB))
    assert api_key_get_for_auth(public_id=key.public_id).is_active is False
