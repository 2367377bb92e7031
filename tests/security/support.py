"""What the input-bound tests share: clients, the one error shape, a time bound."""

from __future__ import annotations

import time
from contextlib import contextmanager

from django.contrib.auth.models import User
from rest_framework.test import APIClient

HEADER = ["personnel_number", "period", "code", "value"]
HUGE = ["1e999999999", "-1e999999999", "1e99999999", "1e-999999999"]
TINY = ["1e-30", "-1e-30"]


def client_for(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@contextmanager
def fast(seconds: float = 5.0):
    """The block finishes within `seconds` (a generous bound: the hostile inputs took 30 s
    and more before)."""
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < seconds


def item(number="DEMO-A", period="2026-12", code="leads", value="210"):
    return {"personnel_number": number, "period": period, "code": code, "value": value}
