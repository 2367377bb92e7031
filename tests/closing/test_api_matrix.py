"""Every API write path × every input kind of a closed period (the demo's October, whose run
is approved): 409 `period_closed` in the API's error shape, the message naming the month,
who approved it and when, and not one row changed. The same writes on an open period
(November, calculated only; December) still succeed; configuration rows stay editable."""

from __future__ import annotations

import pytest

from core.periods import PERIOD_CLOSED
from tests.admin.test_roles_matrix import changed, snapshot
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

#: Tables a request writes whatever it does: the token's last use (knox), login throttling;
#: and the log every import keeps, of a refused one too (its status: rejected).
NOISE = {"knox_authtoken", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog", "kpis_importlog"}


def _unchanged(before: dict, after: dict) -> list[str]:
    return [table for table in changed(before, after) if table not in NOISE]


def closed_writes(c):
    """(id, method, path, body) of each write into October."""
    e = c.employee.pk
    return [
        ("create plan", "post", "plans/", {"employee": e, "period": "2026-10", "kpi": c.own_kpi.pk, "value": "5"}),
        ("change plan", "patch", f"plans/{c.plan.pk}/", {"value": "123"}),
        ("plan saved unchanged", "patch", f"plans/{c.plan.pk}/", {"period": "2026-10"}),
        ("delete plan", "delete", f"plans/{c.plan.pk}/", None),
        ("bulk plans", "post", "plans/bulk/",
         {"items": [{"personnel_number": "DEMO-A", "period": "2026-10", "code": "leads", "value": "1"}]}),
        ("create measure value", "post", "measure-values/",
         {"employee": e, "period": "2026-10", "measure": c.own_measure.pk, "value": "5"}),
        ("change measure value", "patch", f"measure-values/{c.measure_value.pk}/", {"value": "123"}),
        ("delete measure value", "delete", f"measure-values/{c.measure_value.pk}/", None),
        ("bulk measure values", "post", "measure-values/bulk/",
         {"items": [{"personnel_number": "DEMO-A", "period": "2026-10", "code": "leads", "value": "1"}]}),
        ("create adjustment", "post", "adjustments/", {"employee": e, "period": "2026-10", "amount": "10.00", "reason": "x"}),
        ("delete adjustment", "delete", f"adjustments/{c.adjustment.pk}/", None),
        ("backdated raise", "post", "salary-agreements/", {"employee": e, "effective_from": "2026-10-15", "monthly_amount": "40000.00"}),
        ("change salary", "patch", f"salary-agreements/{c.salary.pk}/", {"monthly_amount": "31000.00"}),
        ("delete salary", "delete", f"salary-agreements/{c.salary.pk}/", None),
        ("backdated scheme", "post", "scheme-assignments/",
         {"employee": e, "scheme": c.assignment.scheme_id, "effective_from": "2026-10-01"}),
        ("change scheme assignment", "patch", f"scheme-assignments/{c.assignment.pk}/", {"effective_from": "2024-01-01"}),
        ("delete scheme assignment", "delete", f"scheme-assignments/{c.assignment.pk}/", None),
        ("create holiday", "post", "calendar-days/", {"company": c.employee.company_id, "date": "2026-10-20", "kind": "holiday"}),
        ("change holiday", "patch", f"calendar-days/{c.calendar_day.pk}/", {"kind": "working_day"}),
        ("move holiday out", "patch", f"calendar-days/{c.calendar_day.pk}/", {"date": "2026-12-15"}),
        ("delete holiday", "delete", f"calendar-days/{c.calendar_day.pk}/", None),
        ("create stage", "post", "company-stages/", {"company": c.employee.company_id, "stage": 3, "effective_from": "2026-10-10"}),
        ("change stage", "patch", f"company-stages/{c.stage.pk}/", {"stage": 3}),
        ("delete stage", "delete", f"company-stages/{c.stage.pk}/", None),
        ("hire date", "patch", f"employees/{e}/", {"hire_date": "2026-10-10"}),
        ("termination date", "patch", f"employees/{e}/", {"termination_date": "2026-10-20"}),
    ]  # fmt: skip


WRITE_IDS = [
    "create plan", "change plan", "plan saved unchanged", "delete plan", "bulk plans", "create measure value",
    "change measure value", "delete measure value", "bulk measure values", "create adjustment", "delete adjustment",
    "backdated raise", "change salary", "delete salary", "backdated scheme", "change scheme assignment",
    "delete scheme assignment", "create holiday", "change holiday", "move holiday out", "delete holiday",
    "create stage", "change stage", "delete stage", "hire date", "termination date",
]  # fmt: skip


@pytest.fixture
def hr(admin_world):
    return client_for(admin_world.demo.users["hr"])


def _send(client, method: str, path: str, body):
    url = f"/api/v1/{path}"
    return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)


@pytest.mark.parametrize("index", range(len(WRITE_IDS)), ids=WRITE_IDS)
def test_a_write_into_a_closed_period_is_refused_and_changes_nothing(closed, hr, index):
    name, method, path, body = closed_writes(closed)[index]
    assert name == WRITE_IDS[index]
    before = snapshot()

    response = _send(hr, method, path, body)

    assert response.status_code == 409, response.content[:400]
    error = response.json()["error"]
    assert error["code"] == PERIOD_CLOSED
    assert f"October 2026 was approved by {closed.approver} on {closed.approved_on}; record a correction" in error["message"]
    assert _unchanged(before, snapshot()) == []


def test_a_bulk_refusal_names_the_row(closed, hr):
    items = [
        {"personnel_number": "DEMO-A", "period": "2026-12", "code": "leads", "value": "1"},
        {"personnel_number": "DEMO-A", "period": "2026-10", "code": "cpl", "value": "1"},
    ]
    error = _send(hr, "post", "plans/bulk/", {"items": items}).json()["error"]
    assert error["code"] == PERIOD_CLOSED
    assert error["message"].startswith("items[1].period: October 2026 was approved by")
    assert list(error["fields"]) == ["items[1].period"]


def open_writes(c):
    """The same kinds of write, into open months: November (calculated, not approved) and December."""
    e = c.employee.pk
    november_plan = c.employee.plans.get(period="2026-11", kpi__code="leads").pk
    november_value = c.employee.measure_values.get(period="2026-11", measure__code="leads").pk
    return [
        ("post", "plans/", {"employee": e, "period": "2026-12", "kpi": c.own_kpi.pk, "value": "5"}, 201),
        ("patch", f"plans/{november_plan}/", {"value": "123"}, 200),
        ("delete", f"plans/{november_plan}/", None, 204),
        ("post", "plans/bulk/", {"items": [{"personnel_number": "DEMO-A", "period": "2026-11", "code": "leads", "value": "9"}]}, 200),
        ("post", "measure-values/", {"employee": e, "period": "2026-11", "measure": c.own_measure.pk, "value": "5"}, 201),
        ("patch", f"measure-values/{november_value}/", {"value": "123"}, 200),
        ("delete", f"measure-values/{november_value}/", None, 204),
        ("post", "measure-values/bulk/",
         {"items": [{"personnel_number": "DEMO-A", "period": "2026-12", "code": "leads", "value": "1"}]}, 200),
        ("post", "adjustments/", {"employee": e, "period": "2026-11", "amount": "10.00", "reason": "x"}, 201),
        ("post", "salary-agreements/", {"employee": e, "effective_from": "2026-11-01", "monthly_amount": "40000.00"}, 201),
        ("post", "scheme-assignments/", {"employee": e, "scheme": c.assignment.scheme_id, "effective_from": "2026-12-01"}, 201),
        ("post", "calendar-days/", {"company": c.employee.company_id, "date": "2026-11-20", "kind": "holiday"}, 201),
        ("post", "company-stages/", {"company": c.employee.company_id, "stage": 3, "effective_from": "2026-11-01"}, 201),
        ("patch", f"employees/{e}/", {"termination_date": "2026-11-30"}, 200),
        ("patch", f"employees/{e}/", {"hire_date": "2024-06-01", "full_name": "Renamed"}, 200),
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(15))
def test_the_same_writes_into_an_open_period_succeed(closed, hr, index):
    method, path, body, status = open_writes(closed)[index]
    response = _send(hr, method, path, body)
    assert response.status_code == status, response.content[:400]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("band-tables/{band}/", {"points": [{"lower_bound_pct": "0", "coefficient": "0"}, {"lower_bound_pct": "90", "coefficient": "1"}]}),
        ("bonus-schemes/{scheme}/", {"cap": "2"}),
        ("kpi-sets/{kpi_set}/", {"name": "Renamed set"}),
        ("kpis/{kpi}/", {"name": "Renamed KPI"}),
        ("measures/{measure}/", {"name": "Renamed measure"}),
    ],
    ids=["band table", "scheme", "KPI set", "KPI", "measure"],
)
def test_configuration_rows_stay_editable_after_approval(admin_world, closed, hr, path, body):
    ids = admin_world.demo.ids
    path = path.format(
        band=ids["band-tables"], scheme=ids["bonus-schemes"], kpi_set=ids["kpi-sets"], kpi=ids["kpis"], measure=ids["measures"]
    )
    response = _send(hr, "patch", path, body)
    assert response.status_code == 200, response.content[:400]
