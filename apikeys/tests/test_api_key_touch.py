from datetime import timedelta

from django.utils import timezone

from apikeys.models import ApiKey
from apikeys.services import api_key_touch
from apikeys.tests.factories import issue_key


def test_last_use_is_stamped_at_most_once_a_minute(db):
    key, _ = issue_key()
    updated_at = key.updated_at
    first = timezone.now()

    api_key_touch(key_id=key.pk, ip="10.0.0.1", now=first)
    api_key_touch(key_id=key.pk, ip="10.0.0.2", now=first + timedelta(seconds=5))

    key = ApiKey.objects.get(pk=key.pk)
    assert key.last_used_at == first
    assert key.last_used_ip == "10.0.0.1"
    assert key.updated_at == updated_at  # using a key is not editing it


def test_touch_of_a_deleted_key_is_harmless(db):
    key, _ = issue_key()
    other, _ = issue_key(user=key.user, name="other")
    ApiKey.objects.filter(pk=key.pk).delete()  # deleted between the lookup and the stamp

    api_key_touch(key_id=key.pk, ip="10.0.0.1", now=timezone.now())  # no error

    assert not ApiKey.objects.filter(pk=key.pk).exists()  # nothing brought back
    assert ApiKey.objects.get(pk=other.pk).last_used_at is None  # nothing else stamped
