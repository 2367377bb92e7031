"""Imports in the portal's three languages (issue 14, item 3): the template's header is in the
reader's language and is read back, a Russian or Uzbek header is understood, and the row
errors are said in the active language."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation

from compensation.demo import seed_demo
from kpis.imports import import_template, plans_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "header"),
    [("en", "personnel_number,period,code,value"), ("ru", "табельный номер,период,код,значение"), ("uz", "tabel raqami,davr,kod,qiymat")],
)
def test_the_template_speaks_the_language_and_is_read_back(language, header):
    company = seed_demo()
    content, _, _ = import_template(kind="plans", file_format="csv", language=language)
    assert content.decode().splitlines()[0] == header

    filled = content.decode().replace("E-00001", "DEMO-A").replace("2026-11", "2026-12").encode()
    result = plans_import(company=company, file_name="plans.csv", content=filled)
    assert result.errors == () and result.rows_created == 1


def test_the_portal_hands_out_the_template_in_the_pages_language():
    seed_demo()
    client = Client()
    client.force_login(User.objects.get(username="hr"))
    response = client.get(reverse("portal:plans_template", args=["csv"]), HTTP_ACCEPT_LANGUAGE="uz")
    assert response.content.decode().splitlines()[0] == "tabel raqami,davr,kod,qiymat"


@pytest.mark.parametrize(
    ("language", "unknown", "empty"),
    [
        ("ru", "нет сотрудника с табельным номером 'NOBODY' в Demo Marketing LLC", "ячейка пустая"),
        ("uz", "Demo Marketing LLC kompaniyasida 'NOBODY' tabel raqamli xodim yoʻq", "katak boʻsh"),
    ],
)
def test_row_errors_are_said_in_the_active_language(language, unknown, empty):
    company = seed_demo()
    content = b"tabel raqami,davr,kod,qiymat\nNOBODY,2026-12,leads,5\nDEMO-A,2026-12,leads,\n"
    with translation.override(language):
        result = plans_import(company=company, file_name="plans.csv", content=content)
    messages = {(problem.row, problem.code): problem.message for problem in result.errors}
    assert messages[(2, "unknown_employee")] == unknown
    assert messages[(3, "cell_empty")] == empty
