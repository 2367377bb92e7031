"""The suite runs against the real services named in the environment. A service that is
configured but unreachable stops the run with a message, in CI and out: never a skip.

Without pytest-django (`pytest -p no:django tests/engine`, as `make test` runs
the engine's tests first) nothing here touches Django or the services: the engine needs neither."""

import os

import pytest


def _check_services() -> list[str]:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres", "postgresql")):
        import psycopg

        try:
            dsn = database_url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
            psycopg.connect(dsn, connect_timeout=3).close()
        except Exception as error:
            problems.append(f"PostgreSQL at {database_url} is unreachable: {error}")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if broker_url.startswith("redis"):
        import redis

        try:
            redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
        except Exception as error:
            problems.append(f"Redis at {broker_url} is unreachable: {error}")
    return problems


def _django_in_use(config: pytest.Config) -> bool:
    """False under `-p no:django`: Django has no settings then, and no test may need them."""
    return config.pluginmanager.has_plugin("django")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _django_in_use(session.config):
        return
    if os.environ.get("CI") == "true" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.exit("CI runs the suite on PostgreSQL: DATABASE_URL is not set to it", returncode=1)
    problems = _check_services()
    if problems:
        pytest.exit(
            "required services are down:\n  "
            + "\n  ".join(problems)
            + "\nstart them (see DEVELOPERS.md / README) and run `make test` again",
            returncode=1,
        )


@pytest.fixture(autouse=True, scope="session")
def _suite_settings(request, tmp_path_factory):
    """Demo logins are created in many tests and the production hasher is slow on purpose;
    payroll sheets and uploads the suite writes never land in the project's media/."""
    if not _django_in_use(request.config):
        return
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _catalogue(request):
    """The catalogue and presets come from a data migration; a transactional test flushes
    them, so put them back for the tests that follow (those marked, and those that reach the
    database through a fixture asking for `db`)."""
    uses_database = {"db", "transactional_db", "django_db_reset_sequences"} & set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None and not uses_database:
        return
    from kpis.catalogue import install_catalogue
    from kpis.models import Kpi, KpiSet, KpiSetItem, Measure

    with request.getfixturevalue("django_db_blocker").unblock():
        if not KpiSet.objects.filter(company=None).exists():
            install_catalogue(Measure, Kpi, KpiSet, KpiSetItem)


@pytest.fixture
def eager_celery(monkeypatch):
    """Tasks run in this process, at once (the real worker has its own tests)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def _no_compiled_configuration(request):
    """Each test starts with no company configuration compiled in this process: a test's
    rolled-back rows must not live on in the process cache."""
    if not _django_in_use(request.config):
        return
    from compensation.selectors import forget_compiled_configurations

    forget_compiled_configurations()


@pytest.fixture(autouse=True)
def _default_language(request):
    """Each test starts in the default language: a request in another one (LocaleMiddleware
    activates it for the thread and leaves it there) must not turn later tests' messages."""
    if not _django_in_use(request.config):
        yield
        return
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
