"""The web app's shell: served at every route of the app (so e-mailed links and reloads land on their section),
with the CSRF cookie the app sends back, no user data in it, and its scripts from our own static files."""

import re
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parent.parent / "static" / "web"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/profile",
        "/security",
        "/api-keys",
        "/trading-conditions",
        "/fees",
        "/activities",
        "/login",
        "/signup",
        "/password-reset",
        "/account/verify-email/MQ:1vLbEr:abc",
        "/account/password/reset/1-cv7x7q-abc",
        "/account/signup",
    ],
)
def test_every_route_of_the_app_serves_the_shell_with_a_csrf_cookie(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    assert '<script type="module" src="/static/web/app.js">' in html
    assert not re.search(r"https?://", html)  # nothing from elsewhere: it works offline


def test_the_shell_is_the_same_for_everyone(user, password) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    anonymous = client.get("/").content
    client.login(email=user.email, password=password)
    assert client.get("/").content == anonymous
    assert user.email.encode() not in anonymous


def test_paths_outside_the_app_stay_json_404s() -> None:
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_shell_refuses_writes() -> None:
    assert Client().post("/").status_code == 405


def test_every_module_the_app_imports_exists() -> None:
    """Static and dynamic imports alike (`import(…)` of a page): a typo would only show in a browser otherwise."""
    imports = 0
    for source in STATIC.rglob("*.js"):
        text = source.read_text()
        for target in re.findall(r"""(?:from|import\()\s*["'](\.{1,2}/[^"'#]+)""", text):
            assert (source.parent / target).resolve().is_file(), f"{source.name} imports {target}"
            imports += 1
        for target in re.findall(r"""["'](\./pages/[a-z]+\.js)#""", text):  # app.js's route table
            assert (source.parent / target).resolve().is_file(), f"{source.name} routes to {target}"
            imports += 1
    assert imports >= 20
    assert finders.find("web/app.js")
    assert finders.find("web/app.css")


def _schema_paths() -> list[re.Pattern[str]]:
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    return [re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$") for path in schema["paths"]]


def test_every_endpoint_the_app_calls_is_in_the_openapi_schema() -> None:
    """The app is the reference for frontend teams: it may call only what the schema documents."""
    called: set[str] = set()
    for source in STATIC.rglob("*.js"):
        for literal in re.findall(r"[\"`](/api/v1/[^\"`?]*)", source.read_text()):
            # `${key.key_id}` and `${session.id}` stand for one path segment.
            called.add(re.sub(r"\$\{[^}]+\}", "X", literal))
    assert len(called) >= 25
    documented = _schema_paths()
    missing = sorted(path for path in called if not any(p.match(path) for p in documented))
    assert missing == []
