"""Who may do what through the API, and that one company never sees another's rows.

`MATRIX` is the whole policy in one table: the status each role gets on the demo company's
rows. On the other company's rows a role that may act gets 404 (the row does not exist for
it), a role that may not gets the same refusal, and the superuser (no company) acts on both.
"""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from django.db.models import Q
from django.utils import timezone

from compensation import models as comp
from kpis import models as kpis
from organizations import models as org
from payroll import models as payroll
from tests.api.conftest import ROLES, World, client_for

pytestmark = pytest.mark.django_db
HAS_EXCEL = find_spec("payroll.excel") is not None

# fmt: off
MATRIX = {
    # endpoint                                      superuser  hr   finance marketer anonymous (401: no credentials)
    "GET    companies/":                            (200,      200, 200,    403,     401),
    "GET    companies/{id}/":                       (200,      200, 200,    403,     401),
    "POST   companies/":                            (201,      403, 403,    403,     401),
    "PATCH  companies/{id}/":                       (200,      200, 403,    403,     401),
    "DELETE companies/{id}/":                       (409,      403, 403,    403,     401),
    "GET    company-stages/":                       (200,      200, 200,    403,     401),
    "GET    company-stages/{id}/":                  (200,      200, 200,    403,     401),
    "POST   company-stages/":                       (201,      201, 403,    403,     401),
    "PATCH  company-stages/{id}/":                  (200,      200, 403,    403,     401),
    "DELETE company-stages/{id}/":                  (204,      204, 403,    403,     401),  # its 2027 row (in use: tests/payroll/test_in_use.py)
    "GET    calendar-days/":                        (200,      200, 200,    403,     401),
    "GET    calendar-days/{id}/":                   (200,      200, 200,    403,     401),
    "POST   calendar-days/":                        (201,      201, 403,    403,     401),
    "PATCH  calendar-days/{id}/":                   (200,      200, 403,    403,     401),
    "DELETE calendar-days/{id}/":                   (204,      204, 403,    403,     401),
    "GET    employees/":                            (200,      200, 200,    403,     401),
    "GET    employees/{id}/":                       (200,      200, 200,    403,     401),
    "POST   employees/":                            (201,      201, 403,    403,     401),
    "PATCH  employees/{id}/":                       (200,      200, 403,    403,     401),
    "PUT    employees/{id}/":                       (200,      200, 403,    403,     401),
    "DELETE employees/{id}/":                       (409,      409, 403,    403,     401),  # has payouts
    "GET    salary-agreements/":                    (200,      200, 200,    403,     401),
    "GET    salary-agreements/{id}/":               (200,      200, 200,    403,     401),
    "POST   salary-agreements/":                    (201,      201, 403,    403,     401),
    "PATCH  salary-agreements/{id}/":               (200,      200, 403,    403,     401),
    "DELETE salary-agreements/{id}/":               (204,      204, 403,    403,     401),  # its 2027 row (closed periods: tests/closing/)
    "GET    band-tables/":                          (200,      200, 200,    403,     401),
    "GET    band-tables/{id}/":                     (200,      200, 200,    403,     401),
    "POST   band-tables/":                          (201,      201, 403,    403,     401),
    "PATCH  band-tables/{id}/":                     (200,      200, 403,    403,     401),
    "DELETE band-tables/{id}/":                     (409,      409, 403,    403,     401),  # a scheme uses it
    "GET    bonus-schemes/":                        (200,      200, 200,    403,     401),
    "GET    bonus-schemes/{id}/":                   (200,      200, 200,    403,     401),
    "POST   bonus-schemes/":                        (201,      201, 403,    403,     401),
    "PATCH  bonus-schemes/{id}/":                   (200,      200, 403,    403,     401),
    "DELETE bonus-schemes/{id}/":                   (409,      409, 403,    403,     401),  # assigned
    "GET    scheme-assignments/":                   (200,      200, 200,    403,     401),
    "GET    scheme-assignments/{id}/":              (200,      200, 200,    403,     401),
    "POST   scheme-assignments/":                   (201,      201, 403,    403,     401),
    "PATCH  scheme-assignments/{id}/":              (200,      200, 403,    403,     401),
    "DELETE scheme-assignments/{id}/":              (204,      204, 403,    403,     401),  # its 2027 row
    "GET    measures/":                             (200,      200, 200,    403,     401),
    "GET    measures/{id}/":                        (200,      200, 200,    403,     401),
    "POST   measures/":                             (201,      201, 403,    403,     401),
    "PATCH  measures/{id}/":                        (200,      200, 403,    403,     401),
    "DELETE measures/{id}/":                        (409,      409, 403,    403,     401),  # a KPI reads it
    "GET    kpis/":                                 (200,      200, 200,    403,     401),
    "GET    kpis/{id}/":                            (200,      200, 200,    403,     401),
    "POST   kpis/":                                 (201,      201, 403,    403,     401),
    "PATCH  kpis/{id}/":                            (200,      200, 403,    403,     401),
    "DELETE kpis/{id}/":                            (204,      204, 403,    403,     401),
    "GET    kpi-sets/":                             (200,      200, 200,    403,     401),
    "GET    kpi-sets/{id}/":                        (200,      200, 200,    403,     401),
    "POST   kpi-sets/":                             (201,      201, 403,    403,     401),
    "PATCH  kpi-sets/{id}/":                        (200,      200, 403,    403,     401),
    "DELETE kpi-sets/{id}/":                        (409,      409, 403,    403,     401),  # a calculated run used it
    "GET    plans/":                                (200,      200, 200,    403,     401),
    "GET    plans/{id}/":                           (200,      200, 200,    403,     401),
    "POST   plans/":                                (201,      201, 403,    403,     401),
    "PATCH  plans/{id}/":                           (200,      200, 403,    403,     401),
    "DELETE plans/{id}/":                           (204,      204, 403,    403,     401),
    "GET    measure-values/":                       (200,      200, 200,    403,     401),
    "GET    measure-values/{id}/":                  (200,      200, 200,    403,     401),
    "POST   measure-values/":                       (201,      201, 403,    403,     401),
    "PATCH  measure-values/{id}/":                  (200,      200, 403,    403,     401),
    "DELETE measure-values/{id}/":                  (204,      204, 403,    403,     401),
    "GET    payroll-runs/":                         (200,      200, 200,    403,     401),
    "GET    payroll-runs/{id}/":                    (200,      200, 200,    403,     401),
    "POST   payroll-runs/":                         (201,      201, 403,    403,     401),
    "POST   payroll-runs/{id}/recalculate/":        (200,      200, 403,    403,     401),
    "POST   payroll-runs/{id}/approve/":            (200,      200, 403,    403,     401),  # started by hr2
    "POST   payroll-runs/{approved}/mark-paid/":    (200,      403, 200,    403,     401),  # finance's step
    "POST   payroll-runs/{id}/cancel/":             (200,      200, 403,    403,     401),
    "GET    payroll-runs/{id}/warnings/":           (200,      200, 200,    403,     401),
    "GET    payroll-runs/{id}/payouts/":            (200,      200, 200,    403,     401),
    "GET    payroll-runs/{id}/sheet/":              (200,      200, 200,    403,     401),
    "GET    payouts/":                              (200,      200, 200,    200,     401),
    "GET    payouts/{id}/":                         (200,      200, 200,    404,     401),  # the marketer's own, not yet approved
    "GET    payouts/{released}/":                   (200,      200, 200,    200,     401),  # the marketer's own, approved
    "GET    payouts/{released}/payslip/":           (200,      200, 404,    200,     401),  # approved run; not finance's
    "GET    adjustments/":                          (200,      200, 403,    403,     401),
    "GET    adjustments/{id}/":                     (200,      200, 403,    403,     401),
    "POST   adjustments/":                          (201,      201, 403,    403,     401),
    "DELETE adjustments/{id}/":                     (204,      204, 403,    403,     401),
    "GET    history/employees/{id}/":               (200,      200, 200,    403,     401),
    "GET    history/plans/{id}/":                   (200,      200, 200,    403,     401),
    "GET    history/kpi-sets/{id}/":                (200,      200, 200,    403,     401),
    "GET    history/adjustments/{id}/":             (200,      200, 200,    403,     401),
    "GET    me/":                                   (404,      404, 404,    200,     401),  # only a marketer has a record
    "GET    me/plans/?period=2026-11":              (404,      404, 404,    200,     401),
    "GET    me/measures/?period=2026-11":           (404,      404, 404,    200,     401),
    "GET    me/payouts/":                           (404,      404, 404,    200,     401),
    "GET    me/projection/?period=2026-11":         (404,      404, 404,    200,     401),
    "POST   me/what-if/":                           (404,      404, 404,    200,     401),
}
# fmt: on

# What a write sends, for the acting company `c` (ids of its rows, `c.company.pk`) and
# `w` the world (catalogue lookups).
PATCHES = {
    "companies": {"name": "Renamed"},
    "company-stages": {"stage": 3},
    "calendar-days": {"name": "Renamed"},
    "employees": {"full_name": "Renamed"},
    "salary-agreements": {"monthly_amount": "31000.00"},
    "band-tables": {"name": "Renamed bands"},
    "bonus-schemes": {"name": "Renamed scheme"},
    "scheme-assignments": {"effective_from": "2027-03-01"},
    "measures": {"name": "Renamed"},
    "kpis": {"name": "Renamed"},
    "kpi-sets": {"name": "Renamed set"},
    "plans": {"value": "123"},
    "measure-values": {"value": "123"},
}


def catalogue_kpi(code: str) -> int:
    return kpis.Kpi.objects.get(company=None, code=code).pk


def catalogue_measure(code: str) -> int:
    return kpis.Measure.objects.get(company=None, code=code).pk


def create_body(resource: str, c) -> dict:
    company, ids = c.company.pk, c.ids
    return {
        "companies": lambda: {"name": "New Co", "slug": "new-co"},
        "company-stages": lambda: {"company": company, "stage": 3, "effective_from": "2026-12-01"},
        "calendar-days": lambda: {"company": company, "date": "2026-12-31", "kind": "holiday", "name": "Eve"},
        "employees": lambda: {"company": company, "personnel_number": "NEW-1", "full_name": "New", "hire_date": "2026-01-01"},
        "salary-agreements": lambda: {"employee": ids["employees"], "effective_from": "2026-12-01", "monthly_amount": "35000.00"},
        "band-tables": lambda: {
            "company": company, "name": "New bands", "mode": "step",
            "points": [{"lower_bound_pct": "0", "coefficient": "0"}, {"lower_bound_pct": "100", "coefficient": "1"}],
        },
        "bonus-schemes": lambda: {
            "company": company, "name": "New scheme",
            "factors": [{"name": "k1", "input_kind": "kpi", "kpi": catalogue_kpi("leads"), "band_table": ids["band-tables"]}],
        },
        "scheme-assignments": lambda: {"employee": ids["employees"], "scheme": ids["bonus-schemes"], "effective_from": "2026-12-01"},
        "measures": lambda: {"company": company, "code": "new_m", "name": "New"},
        "kpis": lambda: {"company": company, "code": "new_k", "name": "New", "formula": "leads * 2"},
        "kpi-sets": lambda: {"company": company, "stage": 3, "name": "New set", "items": [{"kpi": catalogue_kpi("leads"), "weight": "1"}]},
        "plans": lambda: {"employee": ids["employees"], "period": "2026-12", "kpi": catalogue_kpi("leads"), "value": "10"},
        "measure-values": lambda: {"employee": ids["employees"], "period": "2026-12", "measure": catalogue_measure("leads"), "value": "10"},
        "adjustments": lambda: {"employee": ids["employees"], "period": "2026-12", "amount": "100.00", "reason": "one-off"},
        "payroll-runs": lambda: {"company": company, "period": "2026-12"},
    }[resource]()


def request_of(endpoint: str, world: World, company: str):
    """(method, url, body) of a MATRIX endpoint against `company`'s rows."""
    method, path = endpoint.split()
    resource = path.split("/")[0]
    side = world.side(company)
    if resource == "history":
        resource = path.split("/")[1]
    url = "/api/v1/" + (
        path.replace("{id}", str(side.ids.get(resource, 0)))
        .replace("{approved}", str(side.ids["approved-run"]))
        .replace("{released}", str(side.ids["released-payout"]))
    )
    body = None
    if method == "POST" and path == f"{resource}/":
        body = create_body(resource, side)
    elif method == "POST" and path.endswith("/mark-paid/"):
        body = {"payment_date": str(timezone.localdate()), "payment_reference": "BANK-1"}
    elif method == "POST" and path == "me/what-if/":
        body = {"period": "2026-11", "measures": {"leads": "150"}}
    elif method == "PATCH":
        body = PATCHES[resource]
    elif method == "PUT":
        body = {"company": side.company.pk, "personnel_number": "PUT-1", "full_name": "Put", "hire_date": "2025-01-01"}
    return method, url, body


def call(client, method: str, url: str, body=None):
    return getattr(client, method.lower())(url, body, format="json") if body is not None else getattr(client, method.lower())(url)


def expected_on_other(own: int, role: str) -> int:
    """A role that may act on its own rows gets 404 for another company's; refusals stay."""
    if role == "superuser" or own in (401, 403):
        return own
    return 404


def _cases():
    for endpoint, statuses in MATRIX.items():
        for role, status in zip(ROLES, statuses, strict=True):
            yield pytest.param(endpoint, role, status, id=f"{endpoint.split()[0]} {endpoint.split()[1]} as {role}")


def _needs_excel(endpoint: str) -> bool:
    return endpoint.endswith(("/sheet/", "/payslip/"))


@pytest.mark.parametrize(("endpoint", "role", "status"), list(_cases()))
def test_own_company(world, api, endpoint, role, status):
    if _needs_excel(endpoint) and not HAS_EXCEL:
        pytest.skip("payroll.excel is not there yet")
    method, url, body = request_of(endpoint, world, "demo")

    response = call(api(role), method, url, body)

    assert response.status_code == status, response.content[:500]
    if status >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


DETAIL = [(e, r, s) for e, statuses in MATRIX.items() if "{" in e for r, s in zip(ROLES, statuses, strict=True)]


@pytest.mark.parametrize(
    ("endpoint", "role", "own"),
    [pytest.param(e, r, s, id=f"{e.split()[0]} {e.split()[1]} as {r}") for e, r, s in DETAIL],
)
def test_other_company_rows_do_not_exist_for_this_company(world, api, endpoint, role, own):
    if _needs_excel(endpoint) and not HAS_EXCEL:
        pytest.skip("payroll.excel is not there yet")
    method, url, body = request_of(endpoint, world, "other")

    response = call(api(role), method, url, body)

    assert response.status_code == expected_on_other(own, role), response.content[:500]


def test_the_two_companies_have_different_ids(world):
    shared = {name for name, pk in world.demo.ids.items() if world.other.ids.get(name) == pk}
    assert not shared


# What each list shows: the model, the path to its company, and whether catalogue rows
# (no company) are listed for everyone.
LISTS = {
    "companies": (org.Company, "id", False),
    "company-stages": (org.CompanyStage, "company", False),
    "calendar-days": (org.CalendarDay, "company", False),
    "employees": (org.Employee, "company", False),
    "salary-agreements": (comp.SalaryAgreement, "employee__company", False),
    "band-tables": (comp.BandTable, "company", False),
    "bonus-schemes": (comp.BonusScheme, "company", False),
    "scheme-assignments": (comp.SchemeAssignment, "employee__company", False),
    "measures": (kpis.Measure, "company", True),
    "kpis": (kpis.Kpi, "company", True),
    "kpi-sets": (kpis.KpiSet, "company", True),
    "plans": (kpis.Plan, "employee__company", False),
    "measure-values": (kpis.MeasureValue, "employee__company", False),
    "payroll-runs": (payroll.PayrollRun, "company", False),
    "payouts": (payroll.Payout, "run__company", False),
    "adjustments": (payroll.Adjustment, "employee__company", False),
}


def listed_ids(client, url: str) -> set[int]:
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["next"] is None, "the list has more than one page"
    return {row["id"] for row in body["results"]}


def visible(world: World, resource: str, company: str | None) -> set[int]:
    model, path, shared = LISTS[resource]
    rows = model.objects.all()
    if company is not None:
        condition = Q(**{path: world.side(company).company.pk})
        if shared:
            condition |= Q(**{f"{path}__isnull": True})
        rows = rows.filter(condition)
    return set(rows.values_list("pk", flat=True))


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize("company", ["demo", "other"])
@pytest.mark.parametrize("role", ["hr", "finance"])
def test_a_list_shows_exactly_the_company_rows(world, api, resource, company, role):
    if resource == "adjustments" and role == "finance":
        pytest.skip("finance does not see adjustments")
    own, theirs = visible(world, resource, company), visible(world, resource, "demo" if company == "other" else "other")

    shown = listed_ids(api(role, company), f"/api/v1/{resource}/")

    assert shown == own
    assert not shown & (theirs - own)


@pytest.mark.parametrize("resource", LISTS)
def test_the_superuser_lists_every_company(world, api, resource):
    assert listed_ids(api("superuser"), f"/api/v1/{resource}/") == visible(world, resource, None)


@pytest.mark.parametrize("company", ["demo", "other"])
def test_a_marketer_lists_only_their_own_payouts(world, api, company):
    side = world.side(company)
    shown = listed_ids(api("marketer", company), "/api/v1/payouts/")
    assert shown == {side.ids["released-payout"]}  # October's (approved), not November's (only calculated)
    assert payroll.Payout.objects.filter(employee__user=side.users["marketer"]).count() == 2


def test_a_marketer_gets_404_for_another_marketers_payout(world):
    demo = world.demo
    theirs = payroll.Payout.objects.get(run_id=demo.ids["approved-run"], employee__user=demo.users["marketer2"]).pk
    mine = demo.ids["released-payout"]

    their_employee = demo.users["marketer2"].employee.pk
    assert client_for(demo.users["marketer"]).get(f"/api/v1/payouts/{theirs}/").status_code == 404
    assert client_for(demo.users["marketer2"]).get(f"/api/v1/payouts/{mine}/").status_code == 404
    assert client_for(demo.users["marketer2"]).get(f"/api/v1/payouts/{theirs}/").status_code == 200
    assert client_for(demo.users["marketer"]).get(f"/api/v1/payouts/?employee={their_employee}").json()["count"] == 0


@pytest.mark.parametrize("company", ["demo", "other"])
def test_me_is_the_marketers_own_record(world, api, company):
    side = world.side(company)
    body = api("marketer", company).get("/api/v1/me/").json()
    assert body["id"] == side.users["marketer"].employee.pk
    assert body["company"] == side.company.name


# Filters naming another company's rows: no rows, or 400 — never the other company's rows.
FILTERS = [
    ("employees", "personnel_number", lambda o: "O-1"),
    ("salary-agreements", "employee", lambda o: o.ids["employees"]),
    ("scheme-assignments", "employee", lambda o: o.ids["employees"]),
    ("scheme-assignments", "scheme", lambda o: o.ids["bonus-schemes"]),
    ("company-stages", "company", lambda o: o.company.pk),
    ("calendar-days", "company", lambda o: o.company.pk),
    ("companies", "slug", lambda o: o.company.slug),
    ("plans", "employee", lambda o: o.ids["employees"]),
    ("plans", "kpi", lambda o: o.ids["kpis"]),
    ("measure-values", "employee", lambda o: o.ids["employees"]),
    ("measure-values", "measure", lambda o: o.ids["measures"]),
    ("measures", "code", lambda o: "other_calls"),
    ("kpis", "code", lambda o: "other_calls"),
    ("payouts", "employee", lambda o: o.ids["employees"]),
    ("payouts", "run", lambda o: o.ids["payroll-runs"]),
    ("adjustments", "employee", lambda o: o.ids["employees"]),
    ("payroll-runs", "period", lambda o: "2026-11"),
]


@pytest.mark.parametrize(("resource", "name", "value"), FILTERS, ids=[f"{r}?{n}" for r, n, _ in FILTERS])
def test_filtering_by_another_companys_row_shows_nothing_of_it(world, api, resource, name, value):
    other_rows = visible(world, resource, "other") - visible(world, resource, "demo")

    response = api("hr").get(f"/api/v1/{resource}/", {name: value(world.other), "page_size": 500})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert not {row["id"] for row in response.json()["results"]} & other_rows


ID_FILTERS = [(r, n, v) for r, n, v in FILTERS if n in ("employee", "scheme", "company", "kpi", "measure", "run")]


@pytest.mark.parametrize(("resource", "name", "value"), ID_FILTERS, ids=[f"{r}?{n}" for r, n, _ in ID_FILTERS])
def test_another_companys_id_in_a_filter_is_refused_as_an_id_that_does_not_exist(world, api, resource, name, value):
    client = api("hr")
    theirs = client.get(f"/api/v1/{resource}/", {name: value(world.other)})
    nobodys = client.get(f"/api/v1/{resource}/", {name: 2**31 - 1})
    own = client.get(f"/api/v1/{resource}/", {name: value(world.demo)})

    assert theirs.status_code == nobodys.status_code == 400
    assert theirs.json() == nobodys.json()
    assert own.status_code == 200


# HR of the demo company writes rows that point at the other company's: 400 naming the field.
CROSS_WRITES = [
    ("POST", "plans/", lambda d, o: {**create_body("plans", d), "employee": o.ids["employees"]}, "employee"),
    ("POST", "plans/", lambda d, o: {**create_body("plans", d), "kpi": o.ids["kpis"]}, "kpi"),
    ("POST", "measure-values/", lambda d, o: {**create_body("measure-values", d), "measure": o.ids["measures"]}, "measure"),
    ("POST", "measure-values/", lambda d, o: {**create_body("measure-values", d), "employee": o.ids["employees"]}, "employee"),
    ("POST", "salary-agreements/", lambda d, o: {**create_body("salary-agreements", d), "employee": o.ids["employees"]}, "employee"),
    ("POST", "scheme-assignments/", lambda d, o: {**create_body("scheme-assignments", d), "scheme": o.ids["bonus-schemes"]}, "scheme"),
    ("POST", "scheme-assignments/", lambda d, o: {**create_body("scheme-assignments", d), "employee": o.ids["employees"]}, "employee"),
    ("POST", "adjustments/", lambda d, o: {**create_body("adjustments", d), "employee": o.ids["employees"]}, "employee"),
    ("POST", "company-stages/", lambda d, o: {**create_body("company-stages", d), "company": o.company.pk}, "company"),
    ("POST", "calendar-days/", lambda d, o: {**create_body("calendar-days", d), "company": o.company.pk}, "company"),
    ("POST", "employees/", lambda d, o: {**create_body("employees", d), "company": o.company.pk}, "company"),
    ("POST", "kpis/", lambda d, o: {"code": "x", "name": "X", "measure": o.ids["measures"]}, "measure"),
    (
        "POST", "bonus-schemes/",
        lambda d, o: {**create_body("bonus-schemes", d), "factors": [{"name": "k1", "input_kind": "kpi", "kpi": o.ids["kpis"], "band_table": d.ids["band-tables"]}]},
        "factors[0].kpi",
    ),
    (
        "POST", "bonus-schemes/",
        lambda d, o: {**create_body("bonus-schemes", d), "factors": [{"name": "k1", "input_kind": "kpi", "kpi": catalogue_kpi("leads"), "band_table": o.ids["band-tables"]}]},
        "factors[0].band_table",
    ),
    (
        "POST", "bonus-schemes/",
        lambda d, o: {**create_body("bonus-schemes", d), "factors": [{"name": "k", "input_kind": "kpi_set", "kpi_set": o.ids["kpi-sets"], "band_table": d.ids["band-tables"]}]},
        "factors[0].kpi_set",
    ),
    ("POST", "kpi-sets/", lambda d, o: {**create_body("kpi-sets", d), "items": [{"kpi": o.ids["kpis"], "weight": "1"}]}, "items[0].kpi"),
    ("PATCH", "plans/{id}/", lambda d, o: {"employee": o.ids["employees"]}, "employee"),
    ("PATCH", "salary-agreements/{id}/", lambda d, o: {"employee": o.ids["employees"]}, "employee"),
    ("PATCH", "scheme-assignments/{id}/", lambda d, o: {"scheme": o.ids["bonus-schemes"]}, "scheme"),
    ("PATCH", "measure-values/{id}/", lambda d, o: {"measure": o.ids["measures"]}, "measure"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), CROSS_WRITES, ids=[f"{m} {p} {f}" for m, p, _, f in CROSS_WRITES]
)
def test_hr_cannot_point_a_row_at_another_companys(world, api, method, path, body, field):
    resource = path.split("/")[0]
    url = "/api/v1/" + path.replace("{id}", str(world.demo.ids.get(resource, 0)))

    response = call(api("hr"), method, url, body(world.demo, world.other))

    assert response.status_code == 400, response.content[:500]
    assert field in response.json()["error"]["fields"]


CATALOGUE = [
    ("measures", lambda: catalogue_measure("leads")),
    ("kpis", lambda: catalogue_kpi("cpl")),
    ("kpi-sets", lambda: kpis.KpiSet.objects.filter(company=None).first().pk),
]


@pytest.mark.parametrize(("resource", "pk"), CATALOGUE, ids=[r for r, _ in CATALOGUE])
@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_hr_cannot_change_the_shared_catalogue(world, api, resource, pk, method):
    url = f"/api/v1/{resource}/{pk()}/"
    assert api("hr").get(url).status_code == 200

    response = call(api("hr"), method, url, {"name": "Mine now"} if method != "DELETE" else None)

    assert response.status_code == 403
    assert "shared catalogue" in response.json()["error"]["message"]


def test_the_superuser_may_correct_the_catalogue(world, api):
    url = f"/api/v1/measures/{catalogue_measure('likes')}/"
    response = api("superuser").patch(url, {"name": "Likes (all kinds)"}, format="json")
    assert response.status_code == 200 and response.json()["company"] is None


def test_a_token_is_issued_for_the_password(world, client):
    world.demo.users["hr"].set_password("s3cret-pass")
    world.demo.users["hr"].save()

    issued = client.post("/api/v1/auth/token/", {"username": "hr", "password": "s3cret-pass"})
    refused = client.post("/api/v1/auth/token/", {"username": "hr", "password": "wrong"})

    assert issued.status_code == 200 and issued.json()["token"]
    assert refused.status_code == 400 and "error" in refused.json()
