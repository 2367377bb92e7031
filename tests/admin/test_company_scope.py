"""HR in the admin sees and picks only their own company's rows; the catalogue is read-only."""

import pytest
from django.contrib.auth.models import User

from compensation.demo import seed_demo
from kpis.models import Kpi
from organizations.models import Employee
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client):
    seed_demo()
    client.force_login(User.objects.get(username="hr"))
    return client


@pytest.fixture
def foreign_employee():
    return EmployeeFactory(company=CompanyFactory(name="Other Co"), personnel_number="FOREIGN-1", full_name="Foreign Person")


def test_lists_show_only_the_own_company(hr_client, foreign_employee):
    page = hr_client.get("/admin/organizations/employee/").content.decode()
    assert "DEMO-A" in page and "FOREIGN-1" not in page
    companies = hr_client.get("/admin/organizations/company/").content.decode()
    assert "Demo Marketing LLC" in companies and "Other Co" not in companies


def test_another_company_row_cannot_be_opened(hr_client, foreign_employee):
    response = hr_client.get(f"/admin/organizations/employee/{foreign_employee.pk}/change/", follow=True)
    assert "doesn’t exist" in response.content.decode() or response.status_code == 404
    assert Employee.objects.get(pk=foreign_employee.pk).full_name == "Foreign Person"


def test_choices_offer_only_the_own_company(hr_client, foreign_employee):
    page = hr_client.get("/admin/organizations/employee/add/").content.decode()
    assert "Demo Marketing LLC" in page and "Other Co" not in page


def test_catalogue_rows_are_read_only_for_hr(hr_client):
    kpi = Kpi.objects.get(company=None, code="leads")
    response = hr_client.post(f"/admin/kpis/kpi/{kpi.pk}/change/", {"code": "leads", "name": "hacked"})
    assert response.status_code == 403
    kpi.refresh_from_db()
    assert kpi.name != "hacked"
