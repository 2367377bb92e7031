"""The portal's Russian: every string the portal marks is translated (none fuzzy, none left
empty), the compiled catalogue is the one committed, and the pages the month's close added
(approval, corrections) read in Russian."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from compensation.demo import seed_demo
from engine import Period
from payroll.models import PayrollRun
from payroll.services import payroll_run_start

CATALOGUE = Path(settings.BASE_DIR) / "portal" / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_every_portal_string_has_a_russian_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


def test_the_catalogue_holds_every_string_the_portal_marks(tmp_path):
    """makemessages run on a copy of the portal finds no string the committed catalogue lacks."""
    copy = tmp_path / "portal"
    shutil.copytree(Path(settings.BASE_DIR) / "portal", copy)
    subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "makemessages", "-l", "ru", "--no-location"],
        cwd=copy,
        env={**os.environ, "DJANGO_DEBUG": "true"},
        check=True,
        capture_output=True,
    )
    found = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po")) if not e.obsolete}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    assert sorted(found - committed, key=str) == []


def test_the_compiled_catalogue_is_the_source_compiled():
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    source = polib.pofile(str(CATALOGUE))
    translations = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in source.translated_entries()}
    assert {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in compiled if e.msgid} == translations


@pytest.mark.django_db
def test_the_approval_summary_and_corrections_read_in_russian(eager_celery, django_capture_on_commit_callbacks):
    company = seed_demo()
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run = PayrollRun.objects.get(pk=run.pk)
    client = Client()
    client.force_login(User.objects.get(username="hr2"))

    approval = client.get(reverse("portal:run_approve", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    corrections = client.get(reverse("portal:corrections"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Что вы утверждаете" in approval and "Утверждение окончательно" in approval
    assert "What you approve" not in approval
    assert "Записать исправление" in corrections and "Record a correction" not in corrections
