"""Portal tests. The browser tests drive Debian's Chromium (`apt-get install chromium`, the
Makefile's `browser` step) through Playwright, with no browser download, against
pytest-django's live server running in this process."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make next
# to it are safe here (one thread at a time), so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}, "accept_downloads": True}


@pytest.fixture
def page(page):
    """Playwright's page, failing the test on any Content-Security-Policy violation in one of
    our HTML pages (Chromium's own viewer of a JSON or text answer styles it inline: not ours)."""
    violations: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => { if (document.contentType === 'text/html')"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.documentURI); });"
    )
    page.on("console", lambda message: violations.append(message.text) if "CSP violation" in message.text else None)
    yield page
    assert violations == [], "\n".join(violations)


@pytest.fixture
def eager_celery():
    """Run the payroll's tasks in the process that enqueues them (the live server's thread
    included): a run started from a page is calculated when its transaction commits."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def demo():
    from compensation.demo import seed_demo

    return seed_demo()


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")` keeps a full-page PNG in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
