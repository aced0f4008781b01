"""My sessions: listed with created / last seen / IP / user agent / current; one or all others ended at once."""

import pytest
from django.urls import reverse

from accounts.tests.helpers import Browser
from activities.models import Activity, ActivityType

pytestmark = pytest.mark.django_db

SESSIONS, END_OTHERS = reverse("sessions"), reverse("sessions-end-others")


def _end(session_id: int) -> str:
    return reverse("session-end", args=[session_id])


@pytest.fixture
def make_browser(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def make(ip: str, user_agent: str = "Mozilla/5.0 (test browser)") -> Browser:
        return Browser(django_capture_on_commit_callbacks, ip=ip, user_agent=user_agent)

    return make


@pytest.fixture
def laptop_and_phone(make_browser, user, password):  # type: ignore[no-untyped-def]
    laptop = make_browser("192.0.2.1", "Laptop/1.0")
    phone = make_browser("198.51.100.2", "Phone/2.0")
    assert laptop.login(user.email, password).status_code == 200
    assert phone.login(user.email, password).status_code == 200
    return laptop, phone


def test_the_list_shows_each_session_and_which_is_current(laptop_and_phone):
    laptop, _ = laptop_and_phone

    sessions = laptop.get(SESSIONS).json()

    assert [(s["ip"], s["user_agent"], s["is_current"]) for s in sessions] == [
        ("198.51.100.2", "Phone/2.0", False),
        ("192.0.2.1", "Laptop/1.0", True),
    ]
    assert all(s["created_at"] and s["last_seen_at"] and s["id"] for s in sessions)
    assert all("session_key" not in s for s in sessions)


def test_ending_a_session_ends_its_access_at_once(laptop_and_phone, user):
    laptop, phone = laptop_and_phone
    phone_session = next(s for s in laptop.get(SESSIONS).json() if not s["is_current"])

    response = laptop.post(_end(phone_session["id"]))

    assert response.status_code == 204
    assert phone.get("/api/v1/profile/").status_code == 403
    assert laptop.get("/api/v1/profile/").status_code == 200
    assert [s["is_current"] for s in laptop.get(SESSIONS).json()] == [True]
    row = Activity.objects.get(user=user, action=ActivityType.SESSION_ENDED)
    assert row.details == {
        "session": phone_session["id"],
        "reason": "ended_by_user",
        "session_ip": "198.51.100.2",
    }
    assert row.ip == "192.0.2.1"


def test_ending_the_current_session_logs_this_client_out(laptop_and_phone):
    laptop, phone = laptop_and_phone
    mine = next(s for s in laptop.get(SESSIONS).json() if s["is_current"])

    assert laptop.post(_end(mine["id"])).status_code == 204

    assert laptop.get("/api/v1/profile/").status_code == 403
    assert phone.get("/api/v1/profile/").status_code == 200


def test_end_all_others(laptop_and_phone, make_browser, user, password):
    laptop, phone = laptop_and_phone
    tablet = make_browser("203.0.113.3", "Tablet/3.0")
    tablet.login(user.email, password)

    response = laptop.post(END_OTHERS)

    assert response.status_code == 200
    assert response.json() == {"ended": 2}
    assert phone.get("/api/v1/profile/").status_code == 403
    assert tablet.get("/api/v1/profile/").status_code == 403
    assert laptop.get("/api/v1/profile/").status_code == 200
    assert Activity.objects.filter(action=ActivityType.SESSION_ENDED).count() == 2


def test_another_users_session_id_is_a_404_and_that_session_lives_on(
    laptop_and_phone, make_browser, other_user, password
):
    laptop, _ = laptop_and_phone
    theirs = make_browser("203.0.113.50")
    assert theirs.login(other_user.email, password).status_code == 200
    their_id = theirs.get(SESSIONS).json()[0]["id"]

    response = laptop.post(_end(their_id))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_not_found"
    assert theirs.get("/api/v1/profile/").status_code == 200
    assert [s["id"] for s in laptop.get(SESSIONS).json()].count(their_id) == 0
    assert not Activity.objects.filter(action=ActivityType.SESSION_ENDED).exists()


def test_an_unknown_session_id_is_a_404(laptop_and_phone):
    laptop, _ = laptop_and_phone

    assert laptop.post(_end(999999)).status_code == 404


def test_a_logged_out_session_leaves_the_list(laptop_and_phone):
    laptop, phone = laptop_and_phone

    phone.post(reverse("auth-logout"))

    assert [s["ip"] for s in laptop.get(SESSIONS).json()] == ["192.0.2.1"]
