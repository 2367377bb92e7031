"""The OpenAPI schema validates with no warning, and the docs page works offline: every
script, style and image comes from our own static files, none from a CDN."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3")


def test_the_schema_is_served_and_documents_the_error_shape(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "Error" in schema["components"]["schemas"]
    assert all(path.startswith("/api/") for path in schema["paths"])
    employee = schema["paths"]["/api/v1/employees/{id}/"]
    assert {"401", "403", "404"} <= set(employee["get"]["responses"])
    assert {"400", "403", "404"} <= set(employee["patch"]["responses"])
    assert "409" in employee["delete"]["responses"]
    assert "409" in schema["paths"]["/api/v1/payroll-runs/{id}/approve/"]["post"]["responses"]
    # A long query string is refused by the HTTP server in front of Django, as an HTML page.
    too_long = schema["paths"]["/api/v1/employees/"]["get"]["responses"]["414"]
    assert list(too_long["content"]) == ["text/html"]
    assert "414" not in employee["get"]["responses"]  # no query parameters: its address cannot grow


def test_the_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.findall(r"""https?://|["'(]//""", html), "the docs page loads something from another host"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    static = [url for url in assets if url.startswith("/static/")]
    assert any(url.endswith(".js") for url in static) and any(url.endswith(".css") for url in static)
    for url in static:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    # Its start-up script is served from its own address (the CSP allows no inline script).
    assert "/api/docs/?script=" in assets
    script = client.get("/api/docs/?script=").content.decode()
    assert not re.findall(r"""https?://|["'(]//""", script)
    # Swagger UI's own default would show a badge loaded from validator.swagger.io.
    assert '"validatorUrl": null' in script
