"""The suite's settings: production's (config/settings.py, DEBUG off) with a secret key made
up for this run, no HTTPS redirect (the test client and live server speak plain HTTP) and
plain static storage (no `collectstatic` before a test). They go into the environment before
config.settings reads it, so the manage.py and Celery worker processes the tests start read
the same; production never imports this module."""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from config.settings import *  # noqa: F403
