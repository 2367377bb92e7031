"""Failed logins lock out (django-axes): after AXES_FAILURE_LIMIT wrong passwords for a user
name from one address, even the right password is refused on every login face (admin,
portal, API token) for AXES_COOLOFF_TIME; a successful login before that starts the count
again. Django's password validators refuse weak passwords."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from compensation.demo import DEMO_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db

FACES = {
    "admin": ("/admin/login/?next=/admin/", "admin"),
    "portal": ("/portal/login/", "hr"),
    "api": ("/api/v1/auth/token/", "hr"),
}


@pytest.fixture(autouse=True)
def demo():
    return seed_demo()


def signs_in(client, face: str, username: str, password: str):
    url, _ = FACES[face]
    return client.post(url, {"username": username, "password": password})


def succeeded(face: str, response) -> bool:
    if face == "api":
        return response.status_code == 200 and bool(response.json()["token"])
    return response.status_code == 302 and "/login/" not in response["Location"]


@pytest.mark.parametrize("face", FACES)
def test_forty_wrong_passwords_lock_out_even_the_right_one(client, face):
    username = FACES[face][1]
    for _ in range(40):
        assert not succeeded(face, signs_in(client, face, username, "wrong-password"))

    response = signs_in(client, face, username, DEMO_PASSWORD)

    assert not succeeded(face, response)
    assert response.status_code == 429
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if face == "api":
        assert response.json()["error"]["code"] == "locked_out"
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    else:
        assert "Too many failed sign-ins" in response.content.decode()
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("face", FACES)
def test_the_lockout_starts_at_the_limit(client, face):
    username = FACES[face][1]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        signs_in(client, face, username, "wrong-password")
    assert succeeded(face, signs_in(client, face, username, DEMO_PASSWORD))

    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        signs_in(client, face, username, "wrong-password")
    assert signs_in(client, face, username, DEMO_PASSWORD).status_code == 429


@pytest.mark.parametrize("face", FACES)
def test_a_successful_login_starts_the_count_again(client, face):
    username = FACES[face][1]
    for _ in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            signs_in(client, face, username, "wrong-password")
        assert succeeded(face, signs_in(client, face, username, DEMO_PASSWORD))
        client.logout()


def test_a_lockout_is_for_that_user_name_from_that_address(client):
    for _ in range(40):
        signs_in(client, "portal", "hr", "wrong-password")

    assert signs_in(client, "portal", "hr", DEMO_PASSWORD).status_code == 429
    assert succeeded("portal", signs_in(client, "portal", "hr2", DEMO_PASSWORD))
    client.logout()
    elsewhere = client.post("/portal/login/", {"username": "hr", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert succeeded("portal", elsewhere)


def test_the_lockout_ends_after_the_cool_off(client):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(settings.AXES_FAILURE_LIMIT):
        signs_in(client, "api", "hr", "wrong-password")
    assert signs_in(client, "api", "hr", DEMO_PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)

    assert succeeded("api", signs_in(client, "api", "hr", DEMO_PASSWORD))


# --- passwords ------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["12345678", "password123", "admin", "marketerhr"])
def test_a_weak_password_is_refused(weak):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(weak, user=User(username="marketerhr"))


def test_the_admin_refuses_a_weak_password_for_a_new_user(client):
    client.force_login(User.objects.get(username="admin"))

    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newbie", "password1": "12345678", "password2": "12345678", "usable_password": "true"},
    )

    assert response.status_code == 200  # the form again, with the errors
    page = response.content.decode()
    assert "This password is too common." in page and "This password is entirely numeric." in page
    assert not User.objects.filter(username="newbie").exists()


def test_the_admin_accepts_a_strong_password(client):
    client.force_login(User.objects.get(username="admin"))
    strong = "corral-tundra-57-quiver"

    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newbie", "password1": strong, "password2": strong, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert User.objects.get(username="newbie").check_password(strong)
