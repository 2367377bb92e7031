"""The portal's Russian and Uzbek (Latin script): every string the portal marks is translated in
each (none fuzzy, none left empty), each compiled catalogue is the one committed, the pages the
month's close added (approval, corrections) read in Russian, and the approval summary and the
marketer's dashboard read in Uzbek."""

import os
import re
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

LANGUAGES = ["ru", "uz"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


def catalogue_path(language: str) -> Path:
    return Path(settings.BASE_DIR) / "portal" / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_portal_string_has_a_translation(language):
    catalogue = polib.pofile(str(catalogue_path(language)))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_every_string_the_portal_marks(tmp_path, language):
    """makemessages run on a copy of the portal finds no string the committed catalogue lacks."""
    copy = tmp_path / "portal"
    shutil.copytree(Path(settings.BASE_DIR) / "portal", copy)
    subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "makemessages", "-l", language, "--no-location"],
        cwd=copy,
        env={**os.environ, "DJANGO_DEBUG": "true"},
        check=True,
        capture_output=True,
    )
    found = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po")) if not e.obsolete}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path(language))) if not e.obsolete}
    assert sorted(found - committed, key=str) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_source_compiled(language):
    compiled = polib.mofile(str(catalogue_path(language).with_suffix(".mo")))
    source = polib.pofile(str(catalogue_path(language)))
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


# --- Uzbek (Latin script) --------------------------------------------------------------------


def test_the_uzbek_catalogue_has_every_russian_string_and_no_other():
    russian = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path("ru"))) if not e.obsolete}
    uzbek = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path("uz"))) if not e.obsolete}
    assert (sorted(russian - uzbek, key=str), sorted(uzbek - russian, key=str)) == ([], [])


def test_the_uzbek_catalogue_keeps_every_placeholder_and_both_plural_forms():
    catalogue = polib.pofile(str(catalogue_path("uz")))
    assert catalogue.metadata["Language"] == "uz"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    wrong = []
    for entry in catalogue:
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(0, ""), entry.msgstr_plural.get(1, "")]
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
        else:
            forms = [entry.msgstr]
            expected = set(PLACEHOLDER.findall(entry.msgid))
        if not all(form.strip() for form in forms) or any(set(PLACEHOLDER.findall(form)) != expected for form in forms):
            wrong.append(entry.msgid)
    assert wrong == []


def test_the_uzbek_catalogue_writes_official_latin_letters():
    """oʻ and gʻ with the modifier letter ʻ (U+02BB), the tutuq belgisi as ’ (U+2019): never an
    ASCII apostrophe or a backtick standing in for them, and no Cyrillic left over."""
    catalogue = polib.pofile(str(catalogue_path("uz")))
    texts = [t for e in catalogue for t in ([e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values()))]
    assert [t for t in texts if re.search(r"[oOgG]['`‘’ʼ]|[`ʼ]", t)] == []
    assert [t for t in texts if re.search(r"[\u0400-\u04ff]", t)] == []
    joined = " ".join(texts)
    assert "oʻ" in joined and "gʻ" in joined and "’" in joined


@pytest.fixture
def calculated_run(eager_celery, django_capture_on_commit_callbacks):
    company = seed_demo()
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    return PayrollRun.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_the_approval_summary_reads_in_uzbek(calculated_run):
    client = Client()
    client.force_login(User.objects.get(username="hr2"))

    approval = client.get(reverse("portal:run_approve", args=[calculated_run.pk]), HTTP_ACCEPT_LANGUAGE="uz").content.decode()

    assert '<html lang="uz">' in approval
    assert "Siz nimani tasdiqlayapsiz" in approval and "Tasdiqlash qat’iy" in approval
    assert "Noyabr 2026" in approval
    assert "What you approve" not in approval and "Что вы утверждаете" not in approval


@pytest.mark.django_db
def test_the_marketers_dashboard_reads_in_uzbek(calculated_run):
    client = Client()
    client.force_login(User.objects.get(username="marketer"))

    page = client.get(reverse("portal:dashboard"), {"period": "2026-11"}, HTTP_ACCEPT_LANGUAGE="uz").content.decode()

    assert '<html lang="uz">' in page
    assert "Mening mukofotim" in page and "Mening KPI larim" in page and "Noyabr 2026" in page
    assert "30\u00a0000,00\u00a0₽" in page  # the demo company pays in roubles: Uzbek style, symbol after
    assert "My bonus" not in page and "Моя премия" not in page


@pytest.mark.django_db
def test_the_language_switch_offers_uzbek_and_turns_the_pages_uzbek(calculated_run):
    client = Client()
    client.force_login(User.objects.get(username="marketer"))
    page = client.get(reverse("portal:dashboard"), {"period": "2026-11"}).content.decode()
    assert 'name="language" value="uz"' in page

    response = client.post(reverse("portal:set_language"), {"language": "uz", "next": reverse("portal:dashboard")})
    assert response.status_code == 302

    page = client.get(reverse("portal:dashboard"), {"period": "2026-11"}).content.decode()
    assert '<html lang="uz">' in page and "Mening mukofotim" in page


# The apps before portal in INSTALLED_APPS (admin…) have catalogues that win for msgids both
# have ("Change", "Name", "Add", "Administration"): the portal gives those a msgctxt.
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_show_the_portals_own_translation_of_every_string(language):
    from django.utils import translation

    catalogue = polib.pofile(str(catalogue_path(language)))
    with translation.override(language):
        shown = {e.msgid: translation.gettext(e.msgid) for e in catalogue if not e.msgid_plural and not e.msgctxt}
    assert {msgid: text for msgid, text in shown.items() if text != catalogue.find(msgid).msgstr} == {}
