"""The demo company for the input-bound tests; the browser checks of the
Content-Security-Policy use the portal tests' Chromium set-up and their `page`, which fails
a test on any violation."""

import pytest

from tests.portal.conftest import browser_context_args, browser_type_launch_args, page  # noqa: F401


@pytest.fixture
def demo():
    from compensation.demo import seed_demo

    return seed_demo()
