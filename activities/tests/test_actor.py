"""`Actor`: who acted, built once at the door and written onto every activity row a service records."""

import pytest
from django.test import RequestFactory

from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from activities.services import record

pytestmark = pytest.mark.django_db


def test_the_web_and_admin_constructors_take_the_client_ip_of_the_request(settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert Actor.web(request) == Actor(ip="203.0.113.9", source=Source.WEB)
    assert Actor.admin(request) == Actor(ip="203.0.113.9", source=Source.ADMIN)


def test_the_gateway_system_and_operator_constructors_say_where_the_change_came_from() -> None:
    assert Actor.gateway(ip="198.51.100.7", api_key="k1") == Actor(
        ip="198.51.100.7", source=Source.GATEWAY, api_key="k1"
    )
    assert Actor.system() == Actor(ip=None, source=Source.SYSTEM)
    assert Actor.operator() == Actor(ip=None, source=Source.OPERATOR)


def test_on_key_names_the_key_an_event_is_about_and_keeps_the_rest() -> None:
    web = Actor(ip="198.51.100.7", source=Source.WEB)
    assert web.on_key("k2") == Actor(ip="198.51.100.7", source=Source.WEB, api_key="k2")
    assert web.api_key == ""  # frozen: the original is unchanged


def test_record_writes_the_actor_onto_the_row(user) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.gateway(ip="198.51.100.7", api_key="k1")
    row = record(user=user, action=ActivityType.GATEWAY_CALL, actor=actor)
    stored = Activity.objects.get(pk=row.pk)
    assert (stored.source, stored.ip, stored.api_key) == (Source.GATEWAY, "198.51.100.7", "k1")


def test_an_actor_cannot_be_changed_in_place() -> None:
    actor = Actor.system()
    with pytest.raises(AttributeError):
        actor.ip = "203.0.113.1"  # type: ignore[misc]
