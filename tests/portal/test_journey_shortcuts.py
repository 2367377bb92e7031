"""The small UX fixes that bring issue 14's journey under 25 actions: a new employee with
salary, scheme and login in one form (all or nothing), and the seeds' band table and scheme
as starting points of the plan builder's new pages."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from compensation.models import BandTable, BonusScheme
from compensation.services import employee_hire
from organizations.models import CompanyMembership, Employee
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_a_new_employee_gets_salary_scheme_and_login_from_the_hire_date_in_one_form(demo):
    scheme = BonusScheme.objects.filter(company=demo).order_by("name").first()
    response = signed_in("hr").post(
        reverse("portal:person_create"),
        {"personnel_number": "M-910", "full_name": "Dilnoza Aliyeva", "hire_date": "2026-11-01",
         "monthly_amount": "30 000,50", "scheme": scheme.pk, "username": "dilnoza", "password": ""},
        follow=True,
    )
    employee = Employee.objects.get(company=demo, personnel_number="M-910")
    assert [(str(s.effective_from), s.monthly_amount) for s in employee.salary_agreements.all()] == [("2026-11-01", Decimal("30000.50"))]
    assert [(str(a.effective_from), a.scheme) for a in employee.scheme_assignments.all()] == [("2026-11-01", scheme)]
    assert employee.user.username == "dilnoza" and not employee.user.has_usable_password()
    assert CompanyMembership.objects.get(user=employee.user).role == "marketer"
    html = response.content.decode()
    assert "30,000.50" in html and "/portal/welcome/" in html  # the set-password link, for HR to pass on


def test_a_refused_login_adds_nothing_and_gives_the_form_back_as_typed(demo):
    count = Employee.objects.count()
    response = signed_in("hr").post(
        reverse("portal:person_create"),
        {"personnel_number": "M-911", "full_name": "Taken Login", "hire_date": "2026-11-01",
         "monthly_amount": "25000", "username": "marketer", "password": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "username" in html and 'value="M-911"' in html and 'value="25000"' in html
    assert Employee.objects.count() == count


def test_a_bad_salary_or_another_companys_scheme_is_refused(demo):
    other = BonusScheme.objects.create(company=CompanyFactory(), name="Elsewhere")
    hr = signed_in("hr")
    base = {"personnel_number": "M-912", "full_name": "Refused", "hire_date": "2026-11-01"}
    assert hr.post(reverse("portal:person_create"), {**base, "monthly_amount": "abc"}).status_code == 400
    assert hr.post(reverse("portal:person_create"), {**base, "scheme": other.pk}).status_code == 400
    assert not Employee.objects.filter(personnel_number="M-912").exists()
    with pytest.raises(ValidationError) as refused:
        employee_hire(company=demo, personnel_number="M-912", full_name="Refused", position="", hire_date=None, scheme=other)
    assert "scheme" in refused.value.message_dict


def test_the_form_proposes_the_next_number_and_the_only_scheme():
    company = CompanyFactory()
    user = User.objects.create_user("lead")
    CompanyMembership.objects.create(user=user, company=company, role="hr", is_lead=True)
    client = Client()
    client.force_login(user)
    scheme = BonusScheme.objects.create(company=company, name="Only one")
    html = client.get(reverse("portal:people")).content.decode()
    assert 'id="new-number" name="personnel_number" value="1"' in html
    assert f'<option value="{scheme.pk}" selected>' in html


def test_the_seeds_band_table_fills_the_new_table_form(demo):
    html = signed_in("hr").get(reverse("portal:band_table_create") + "?preset=seed").content.decode()
    assert 'value="Seed bands (0 / 80 / 100)"' in html
    for index, (lower, coefficient) in enumerate([("0", "0"), ("80", "0.5"), ("100", "1")]):
        for name, value in (("lower", lower), ("coefficient", coefficient)):
            tag = html[html.index(f'id="row-{index}-{name}"') :].split(">")[0]
            assert f'value="{value}"' in tag
    blank = signed_in("hr").get(reverse("portal:band_table_create") + "?preset=nonsense").content.decode()
    assert 'value="Seed bands' not in blank


def test_the_seeds_scheme_reads_leads_and_cpl_through_the_table_with_the_seeds_rows(demo):
    seed = BandTable.objects.get(company=demo, name="Seed bands (0 / 80 / 100)")
    html = signed_in("hr").get(reverse("portal:scheme_create") + "?preset=leads_cpl").content.decode()
    assert 'value="Leads × cost per lead"' in html
    for index in (0, 1):
        select = html[html.index(f'id="factor-{index}-band_table"') :].split("</select>")[0]
        assert f'<option value="{seed.pk}" selected>' in select
    leads = html[html.index('id="factor-0-input"') :].split("</select>")[0]
    assert "selected>Leads (leads)" in leads
    cpl = html[html.index('id="factor-1-input"') :].split("</select>")[0]
    assert "selected>Cost per lead (cpl)" in cpl
