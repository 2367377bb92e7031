"""API tokens (django-rest-knox): issued at POST /api/v1/auth/token/ for a user name and
password with the time they expire, stored only as a hash, refused once expired."""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from compensation.demo import DEMO_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo():
    return seed_demo()


def issue(username: str = "marketer") -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def me(token: str):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_is_issued_with_its_expiry_and_works():
    before = timezone.now()
    issued = issue()

    expiry = parse_datetime(issued["expiry"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert ttl == timedelta(hours=10)
    assert before + ttl <= expiry <= timezone.now() + ttl
    assert me(issued["token"]).status_code == 200


def test_only_a_hash_of_the_token_is_stored():
    token = issue()["token"]

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        rows = json.dumps(cursor.fetchall(), default=str)
    assert token not in rows
    assert AuthToken.objects.get().digest != token


def test_an_expired_token_is_refused_and_deleted():
    token = issue()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    response = me(token)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error = response.json()["error"]
    assert error["code"] == "authentication_failed" and "expired" in error["message"]
    assert not AuthToken.objects.exists()
    assert me(token).status_code == 401


def test_an_unknown_or_garbled_token_is_refused():
    assert me("f" * 64).status_code == 401
    garbled = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Token caf\xe9")
    assert garbled.status_code == 401 and garbled.json()["error"]["code"] == "authentication_failed"


def test_an_inactive_user_s_token_is_refused():
    from django.contrib.auth.models import User

    token = issue()["token"]
    User.objects.filter(username="marketer").update(is_active=False)

    assert me(token).status_code == 401


def test_asking_for_a_token_drops_the_user_s_expired_ones():
    issue()
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    issue()

    assert AuthToken.objects.count() == 1 and AuthToken.objects.get().expiry > timezone.now()


def test_drf_s_plain_tokens_are_gone():
    assert not apps.is_installed("rest_framework.authtoken")


def test_the_schema_documents_the_token_and_its_expiry():
    schema = json.loads(APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").content)

    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    issued = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert set(issued["properties"]) == {"token", "expiry"}
    assert issued["properties"]["expiry"]["format"] == "date-time"
    assert "429" in operation["responses"]  # locked out after failed logins
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
