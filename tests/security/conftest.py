"""The browser checks of the Content-Security-Policy use the portal tests' Chromium set-up
and their `page`, which fails a test on any violation."""

from tests.portal.conftest import browser_context_args, browser_type_launch_args, page  # noqa: F401
