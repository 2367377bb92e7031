"""The engine's tests need neither Django nor a database. `make test` runs them first with
`pytest -p no:django tests/engine`: the root conftest then leaves Django alone,
and the fixture below checks that nothing these tests import loaded it."""

import sys

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_django_loaded(request):
    yield
    if not request.config.pluginmanager.has_plugin("django"):
        loaded = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
        assert not loaded, f"the engine's tests loaded Django without pytest-django: {loaded[:5]}"
