"""The engine's tests need neither Django nor a database, and run with `-p no:django` too."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _suite_settings():
    """Overrides the suite-wide fixture of the same name, which configures Django: nothing
    here logs in, and without pytest-django Django has no settings to change."""
