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
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%|\{[a-z_]+\}")
# The portal's own catalogue, and the project's (`locale/`, LOCALE_PATHS): the domain's rules
# and refusals, which every face shows. makemessages reads the project's with these ignored.
CATALOGUES = ["portal", "domain"]
SOURCE_DIRS = ["api", "compensation", "config", "core", "engine", "kpis", "organizations", "payroll"]
DOMAIN_IGNORES = ["-i", "templates", "-i", "*/templates", "-i", "portal", "-i", "locale"]


def catalogue_path(language: str, catalogue: str = "portal") -> Path:
    root = Path(settings.BASE_DIR) / ("portal" if catalogue == "portal" else "")
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("catalogue", CATALOGUES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_has_a_translation(language, catalogue):
    catalogue = polib.pofile(str(catalogue_path(language, catalogue)))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("catalogue", CATALOGUES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_every_string_the_code_marks(tmp_path, language, catalogue):
    """makemessages run on a copy of the code finds no string the committed catalogue lacks."""
    base = Path(settings.BASE_DIR)
    if catalogue == "portal":
        copy, ignores = tmp_path / "portal", []
        shutil.copytree(base / "portal", copy)
    else:
        copy, ignores = tmp_path / "project", DOMAIN_IGNORES
        for name in SOURCE_DIRS:
            shutil.copytree(base / name, copy / name)
        (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, str(base / "manage.py"), "makemessages", "-l", language, "--no-location", *ignores],
        cwd=copy,
        env={**os.environ, "DJANGO_DEBUG": "true"},
        check=True,
        capture_output=True,
    )
    found = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po")) if not e.obsolete}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path(language, catalogue))) if not e.obsolete}
    assert found and sorted(found - committed, key=str) == []


@pytest.mark.parametrize("catalogue", CATALOGUES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_source_compiled(language, catalogue):
    compiled = polib.mofile(str(catalogue_path(language, catalogue).with_suffix(".mo")))
    source = polib.pofile(str(catalogue_path(language, catalogue)))
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


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_the_uzbek_catalogue_has_every_russian_string_and_no_other(catalogue):
    russian = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path("ru", catalogue))) if not e.obsolete}
    uzbek = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue_path("uz", catalogue))) if not e.obsolete}
    assert (sorted(russian - uzbek, key=str), sorted(uzbek - russian, key=str)) == ([], [])


PLURAL_FORMS = {"ru": "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 :"
                " n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3);",
                "uz": "nplurals=2; plural=(n != 1);"}


@pytest.mark.parametrize("catalogue", CATALOGUES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_keeps_every_placeholder_and_its_plural_forms(language, catalogue):
    """A translation that drops or renames a placeholder would fail (or lie) when filled."""
    catalogue = polib.pofile(str(catalogue_path(language, catalogue)))
    assert catalogue.metadata["Language"] == language
    assert catalogue.metadata["Plural-Forms"] == PLURAL_FORMS[language]
    wrong = []
    for entry in catalogue:
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in range(int(PLURAL_FORMS[language][9]))]
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
        else:
            forms = [entry.msgstr]
            expected = set(PLACEHOLDER.findall(entry.msgid))
        if not all(form.strip() for form in forms) or any(set(PLACEHOLDER.findall(form)) != expected for form in forms):
            wrong.append(entry.msgid)
    assert wrong == []


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_the_uzbek_catalogue_writes_official_latin_letters(catalogue):
    """oʻ and gʻ with the modifier letter ʻ (U+02BB), the tutuq belgisi as ’ (U+2019): never an
    ASCII apostrophe or a backtick standing in for them, and no Cyrillic left over."""
    entries = polib.pofile(str(catalogue_path("uz", catalogue)))
    texts = [t for e in entries for t in ([e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values()))]
    assert [t for t in texts if re.search(r"[oOgG]['`‘’ʼ]|[`ʼ]", t)] == []
    assert [t for t in texts if re.search(r"[\u0400-\u04ff]", t)] == []
    joined = " ".join(texts)
    assert "oʻ" in joined and "gʻ" in joined and ("’" in joined or catalogue == "domain")


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
