"""Issue 10, items 7 and 15 in the admin: a row a payroll run needs is not deleted, from its
own delete page, the delete action or an inline row, and the page says which run needs it
(the API answers the same rows 409 `in_use`, tests/payroll/test_in_use.py)."""

import pytest

from compensation.models import SalaryAgreement
from kpis.models import KpiSet
from organizations.models import CompanyStage, Employee
from tests.admin.conftest import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin_world, client):
    """The admin's user: a superuser (the rule is the same on every face)."""
    client.force_login(admin_world.superuser)
    return client


def test_an_employee_with_payouts_is_not_deleted_from_the_delete_page(admin_world, operator):
    pk = admin_world.demo.ids["employees"]
    page = operator.get(f"/admin/organizations/employee/{pk}/delete/")
    assert page.status_code == 200 and page.context["protected"]
    response = operator.post(f"/admin/organizations/employee/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and response.context["protected"]
    assert Employee.objects.filter(pk=pk).exists()


def test_a_kpi_set_a_calculated_period_used_is_not_deleted_by_the_delete_action(admin_world, operator):
    pk = admin_world.demo.ids["kpi-sets"]
    response = operator.post(
        "/admin/kpis/kpiset/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    )
    assert response.status_code == 200
    assert any("payroll run was calculated with it" in str(line) for line in response.context["protected"])
    assert KpiSet.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("page", "prefix", "model", "row"),
    [
        ("employee", "salary_agreements", SalaryAgreement, "salary-agreements"),
        ("company", "stages", CompanyStage, "company-stages"),
    ],
)
def test_an_inline_row_a_run_used_is_not_deleted(admin_world, operator, page, prefix, model, row):
    parent = admin_world.demo.ids["employees" if page == "employee" else "companies"]
    url = f"/admin/organizations/{page}/{parent}/change/"
    data = form_data(operator.get(url))
    # the first row (the world's own row of `row` is a 2027 one no run used)
    owner = {"employee": parent} if page == "employee" else {"company": parent}
    row_pk = model.objects.filter(**owner).order_by("effective_from").first().pk
    index = next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if str(data.get(f"{prefix}-{i}-id")) == str(row_pk))
    data[f"{prefix}-{index}-DELETE"] = "on"

    response = operator.post(url, data)

    assert response.status_code == 200  # the form again, with the reason
    errors = [str(e) for inline in response.context["inline_admin_formsets"] for e in inline.formset.non_form_errors()]
    assert any("cannot be deleted" in error and "payroll run" in error for error in errors), errors
    assert model.objects.filter(pk=row_pk).exists()
