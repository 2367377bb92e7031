"""Every admin write path × every input kind of a closed period (the demo's October): the
change, add and delete pages, the delete action, inline rows and the import page refuse it
with the rule's message as an admin error (never a 500), and not one row changes. The same
edits on an open period still save; configuration rows stay editable."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.admin.conftest import form_data
from tests.admin.test_roles_matrix import changed, snapshot

pytestmark = pytest.mark.django_db

NOISE = {"django_session", "kpis_importlog", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


@pytest.fixture
def operator(admin_world, client):
    """The admin's user: a superuser (the rule is the same on every face)."""
    client.force_login(admin_world.superuser)
    return client


def _row_index(data: dict, prefix: str, pk: int) -> int:
    return next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if str(data.get(f"{prefix}-{i}-id")) == str(pk))


def _change_inline(prefix: str, pk: int, **values):
    def change(data: dict) -> None:
        index = _row_index(data, prefix, pk)
        data.update({f"{prefix}-{index}-{name}": value for name, value in values.items()})

    return change


def _add_inline(prefix: str, **values):
    def change(data: dict) -> None:
        index = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = index + 1
        data.update({f"{prefix}-{index}-{name}": value for name, value in values.items()})

    return change


def _main(**values):
    return lambda data: data.update(values)


def edits(c):
    """(id, change page, how the form data is changed) of each edit into October."""
    employee = reverse("admin:organizations_employee_change", args=[c.employee.pk])
    company = reverse("admin:organizations_company_change", args=[c.employee.company_id])
    return [
        ("plan value", reverse("admin:kpis_plan_change", args=[c.plan.pk]), _main(value="123")),
        ("measure value", reverse("admin:kpis_measurevalue_change", args=[c.measure_value.pk]), _main(value="123")),
        ("plan moved out of October", reverse("admin:kpis_plan_change", args=[c.plan.pk]), _main(period="2026-12")),
        ("salary row", employee, _change_inline("salary_agreements", c.salary.pk, monthly_amount="31000.00")),
        ("salary row added", employee, _add_inline("salary_agreements", effective_from="2026-10-15", monthly_amount="40000.00")),
        ("salary row deleted", employee, _change_inline("salary_agreements", c.salary.pk, DELETE="on")),
        ("scheme row", employee, _change_inline("scheme_assignments", c.assignment.pk, effective_from="2024-01-01")),
        ("scheme row added", employee, _add_inline("scheme_assignments", scheme=c.assignment.scheme_id, effective_from="2026-10-01")),
        ("scheme row deleted", employee, _change_inline("scheme_assignments", c.assignment.pk, DELETE="on")),
        ("hire date", employee, _main(hire_date="2026-10-10")),
        ("termination date", employee, _main(termination_date="2026-10-20")),
        ("stage row", company, _change_inline("stages", c.stage.pk, stage="3")),
        ("stage row added", company, _add_inline("stages", stage="3", effective_from="2026-10-10")),
        ("stage row deleted", company, _change_inline("stages", c.stage.pk, DELETE="on")),
        ("holiday row", company, _change_inline("calendar_days", c.calendar_day.pk, kind="working_day")),
        ("holiday row added", company, _add_inline("calendar_days", date="2026-10-20", kind="holiday")),
        ("holiday row deleted", company, _change_inline("calendar_days", c.calendar_day.pk, DELETE="on")),
    ]  # fmt: skip


EDIT_IDS = [
    "plan value", "measure value", "plan moved out of October", "salary row", "salary row added", "salary row deleted",
    "scheme row", "scheme row added", "scheme row deleted", "hire date", "termination date", "stage row",
    "stage row added", "stage row deleted", "holiday row", "holiday row added", "holiday row deleted",
]  # fmt: skip


def _errors(response) -> list[str]:
    """Every error the admin form page shows: the main form's and each inline's."""
    found = [str(error) for errors in response.context["adminform"].form.errors.values() for error in errors]
    for inline in response.context.get("inline_admin_formsets", []):
        found += [str(error) for error in inline.formset.non_form_errors()]
        found += [str(error) for form in inline.formset.forms for errors in form.errors.values() for error in errors]
    return found


def _refused(closed, messages: list[str]) -> bool:
    sentence = f"October 2026 was approved by {closed.approver} on {closed.approved_on}; record a correction"
    return any(sentence in message for message in messages)


@pytest.mark.parametrize("index", range(len(EDIT_IDS)), ids=EDIT_IDS)
def test_an_edit_into_a_closed_period_is_refused_on_the_form_and_changes_nothing(closed, operator, index):
    name, url, change = edits(closed)[index]
    assert name == EDIT_IDS[index]
    data = form_data(operator.get(url))
    change(data)
    before = snapshot()

    response = operator.post(url, data)

    assert response.status_code == 200, "the form again, with the refusal"
    assert _refused(closed, _errors(response)), _errors(response)
    assert [table for table in changed(before, snapshot()) if table not in NOISE] == []


def adds(c):
    return [
        ("plan", "admin:kpis_plan_add", {"employee": c.employee.pk, "period": "2026-10", "kpi": c.own_kpi.pk, "value": "5"}),
        ("measure value", "admin:kpis_measurevalue_add",
         {"employee": c.employee.pk, "period": "2026-10", "measure": c.own_measure.pk, "value": "5"}),
        ("adjustment", "admin:payroll_adjustment_add",
         {"employee": c.employee.pk, "period": "2026-10", "amount": "5.00", "reason": "late"}),
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(3), ids=["plan", "measure value", "adjustment"])
def test_an_add_into_a_closed_period_is_refused(closed, operator, index):
    _, name, data = adds(closed)[index]
    before = snapshot()
    response = operator.post(reverse(name), data)
    assert response.status_code == 200
    assert _refused(closed, _errors(response)), _errors(response)
    assert [table for table in changed(before, snapshot()) if table not in NOISE] == []


def deletable(c):
    return [("kpis", "plan", c.plan), ("kpis", "measurevalue", c.measure_value)]


@pytest.mark.parametrize("index", range(2), ids=["plan", "measure value"])
@pytest.mark.parametrize("how", ["delete page", "delete action"])
def test_a_delete_of_a_closed_period_row_is_refused(closed, operator, index, how):
    app, model, row = deletable(closed)[index]
    before = snapshot()
    if how == "delete page":
        response = operator.post(reverse(f"admin:{app}_{model}_delete", args=[row.pk]), {"post": "yes"})
    else:
        response = operator.post(
            reverse(f"admin:{app}_{model}_changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )
    assert response.status_code == 200
    assert _refused(closed, [str(line) for line in response.context["protected"]]), response.context["protected"]
    assert type(row).objects.filter(pk=row.pk).exists()
    assert [table for table in changed(before, snapshot()) if table not in NOISE] == []


def test_an_adjustment_of_a_closed_period_offers_no_delete(closed, operator):
    response = operator.post(reverse("admin:payroll_adjustment_delete", args=[closed.adjustment.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert type(closed.adjustment).objects.filter(pk=closed.adjustment.pk).exists()


@pytest.mark.parametrize("kind", ["plan", "measurevalue"])
def test_a_file_import_into_a_closed_period_is_refused_whole_and_names_the_row(closed, operator, kind):
    content = b"personnel_number,period,code,value\nDEMO-A,2026-12,leads,7\nDEMO-A,2026-10,leads,7\n"
    before = snapshot()
    response = operator.post(
        reverse(f"admin:kpis_{kind}_import"),
        {"company": closed.employee.company_id, "file": SimpleUploadedFile("late.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.applied
    [problem] = result.errors
    assert (problem.code, problem.row, problem.column) == ("period_closed", 3, "period")
    assert _refused(closed, [problem.message])
    assert [table for table in changed(before, snapshot()) if table not in NOISE] == []


def test_the_same_edits_on_an_open_period_save(closed, operator):
    november = closed.employee.plans.get(period="2026-11", kpi__code="leads")
    url = reverse("admin:kpis_plan_change", args=[november.pk])
    data = form_data(operator.get(url))
    data["value"] = "321"
    assert operator.post(url, data).status_code == 302
    november.refresh_from_db()
    assert str(november.value) == "321.0000"

    employee = reverse("admin:organizations_employee_change", args=[closed.employee.pk])
    data = form_data(operator.get(employee))
    _add_inline("salary_agreements", effective_from="2026-11-01", monthly_amount="41000.00")(data)
    data["termination_date"] = "2026-12-31"
    response = operator.post(employee, data)
    assert response.status_code == 302, _errors(response)
    assert closed.employee.salary_agreements.filter(effective_from="2026-11-01").exists()


def test_a_band_table_stays_editable_after_approval(admin_world, closed, operator):
    url = reverse("admin:compensation_bandtable_change", args=[admin_world.demo.ids["band-tables"]])
    data = form_data(operator.get(url))
    data["name"] = "Renamed after approval"
    response = operator.post(url, data)
    assert response.status_code == 302, _errors(response)


def test_reverting_a_closed_period_row_to_an_old_version_is_refused(admin_world, closed, client):
    client.force_login(admin_world.superuser)
    version = closed.plan.history.order_by("history_id").first()
    url = reverse("admin:kpis_plan_simple_history", args=[closed.plan.pk, version.history_id])
    data = form_data(client.get(url))
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 200
    assert _refused(closed, _errors(response)), _errors(response)
    assert [table for table in changed(before, snapshot()) if table not in NOISE] == []
