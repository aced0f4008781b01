import pytest
from django.test import RequestFactory

from common.client_ip import client_ip


@pytest.fixture
def rf():
    return RequestFactory()


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.5", "", "203.0.113.5"),
        # An untrusted peer cannot choose its address by sending the header.
        ([], "203.0.113.5", "1.2.3.4", "203.0.113.5"),
        (["10.0.0.0/8"], "203.0.113.5", "1.2.3.4", "203.0.113.5"),
        # Behind a trusted proxy, the right-most untrusted hop is the client.
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),
        (["10.0.0.0/8"], "10.0.0.2", "garbage", "10.0.0.2"),
        (["::1"], "::1", "2001:db8::5", "2001:db8::5"),
        ([], "::ffff:192.0.2.1", "", "192.0.2.1"),
        ([], "not-an-ip", "", None),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    rf, settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_activity_ip_uses_the_same_resolution(anon_client, user, password, settings):
    from activities.models import Activity

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    anon_client.post(
        "/api/v1/auth/login/",
        {"email": user.email, "password": password},
        format="json",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    settings.TRUSTED_PROXIES = []
    anon_client.post(
        "/api/v1/auth/login/",
        {"email": user.email, "password": password},
        format="json",
        REMOTE_ADDR="192.0.2.44",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )

    assert list(Activity.objects.order_by("id").values_list("ip", flat=True)) == [
        "198.51.100.20",
        "192.0.2.44",
    ]


@pytest.mark.parametrize(
    ("trusted", "remote", "secure"),
    [
        ([], "203.0.113.5", False),
        (["10.0.0.0/8"], "203.0.113.5", False),
        (["10.0.0.0/8"], "10.0.0.2", True),
        (["10.0.0.2"], "10.0.0.2", True),
    ],
)
def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(
    rf, settings, trusted, remote, secure
):
    from common.client_ip import TrustedProxyHeadersMiddleware

    settings.TRUSTED_PROXIES = trusted
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil.test"
    )
    seen = {}

    def view(req):  # type: ignore[no-untyped-def]
        seen["secure"] = req.is_secure()
        seen["forwarded_host"] = req.META.get("HTTP_X_FORWARDED_HOST")

    TrustedProxyHeadersMiddleware(view)(request)

    assert seen["secure"] is secure
    assert (seen["forwarded_host"] == "evil.test") is secure
