"""The run page's review before approval (issue 13, §5): every payout paged, sorted and
filtered, with the change against the employee's last approved payout and its flags; the
bonus histogram; what changed since the previous calculation; the warnings grouped with
names, counts and links; who may see it; and a query count that does not grow with the page."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine import Period
from kpis.models import MeasureValue
from organizations.models import CompanyMembership, Employee
from payroll import review
from payroll.models import Payout, PayrollRun, PreviousPayout, RunStatus
from payroll.services import payroll_run_recalculate, payroll_run_start
from portal.review import histogram_chart
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = [pytest.mark.django_db]
NOVEMBER = "2026-11"
D = Decimal


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def payout(run, employee, *, bonus="0.00", fixed="30000.00", adjustments="0.00", total=None, scheme="Scheme A",
           capped=False, warnings=()):  # fmt: skip
    total = D(total) if total is not None else D(fixed) + D(bonus) + D(adjustments)
    return Payout.objects.create(
        run=run, employee=employee, chunk=0, fixed=D(fixed), bonus=D(bonus), adjustments=D(adjustments), total=total,
        warnings=list(warnings), trace={"bonus": {"scheme": scheme, "capped": capped}, "kpis": [], "total": str(total)},
    )  # fmt: skip


@pytest.fixture
def company():
    company = CompanyFactory()
    for username, role in (("hr-r", "hr"), ("finance-r", "finance"), ("marketer-r", "marketer")):
        user = User.objects.create_user(username, password="x")
        CompanyMembership.objects.create(user=user, company=company, role=role)
    return company


@pytest.fixture
def runs(company):
    """November calculated for 60 employees (R-000 … R-059), bonus 100 × n; October approved
    for all but R-059 with total 30,000.00; September paid with R-058 only, which October lacks."""
    employees = [
        EmployeeFactory(company=company, personnel_number=f"R-{n:03d}", full_name=f"Person {n:03d}") for n in range(60)
    ]
    # Written while calculated, then closed (an approved run's payouts can no longer be written).
    september = PayrollRun.objects.create(company=company, period="2026-09", status=RunStatus.CALCULATED)
    october = PayrollRun.objects.create(company=company, period="2026-10", status=RunStatus.CALCULATED)
    november = PayrollRun.objects.create(company=company, period=NOVEMBER, status=RunStatus.CALCULATED)
    payout(september, employees[58], total="20000.00")
    for employee in employees[:58]:
        payout(october, employee, total="30000.00")
    PayrollRun.objects.filter(pk=september.pk).update(status=RunStatus.PAID)
    PayrollRun.objects.filter(pk=october.pk).update(status=RunStatus.APPROVED)
    september.refresh_from_db()
    october.refresh_from_db()
    for n, employee in enumerate(employees):
        payout(november, employee, bonus=f"{100 * n}.00", scheme="Scheme B" if n % 3 == 0 else "Scheme A",
               capped=n == 5, warnings=[{"code": "no_plan", "kpi": "leads", "message": "x"}] if n in (7, 8) else [])  # fmt: skip
    return {"employees": employees, "november": november, "october": october}


def page_of(run, username="hr-r", **params):
    response = client_for(username).get(reverse("portal:run", args=[run.pk]), params)
    assert response.status_code == 200
    return response


def numbers(response) -> list[str]:
    return [row["employee__personnel_number"] for row in response.context["review"]["rows"]]


def row_of(response, number: str) -> dict:
    return next(row for row in response.context["review"]["rows"] if row["employee__personnel_number"] == number)


# --- paging, sorting, filters ------------------------------------------------------------


def test_the_payouts_are_paged_fifty_at_a_time(runs):
    first = page_of(runs["november"])
    assert first.context["review"]["count"] == 60
    assert numbers(first) == [f"R-{n:03d}" for n in range(50)]
    second = page_of(runs["november"], page=2)
    assert numbers(second) == [f"R-{n:03d}" for n in range(50, 60)]
    assert page_of(runs["november"], page=99).context["review"]["page"].number == 2  # past the end: the last page


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("bonus", "R-000"),
        ("-bonus", "R-059"),
        ("-name", "R-059"),
        ("number", "R-000"),
        ("-total", "R-059"),
        ("-fixed", "R-000"),
    ],
    ids=["bonus", "bonus-desc", "name-desc", "number", "total-desc", "fixed-desc-ties-by-number"],
)
def test_the_payouts_sort_by_each_column(runs, sort, first):
    assert numbers(page_of(runs["november"], sort=sort))[0] == first


def test_sorting_by_change_puts_payouts_without_an_earlier_one_last(runs):
    # R-059 has no earlier payout; R-058's last approved is September's 20,000.00 (change +15,800)
    ascending = page_of(runs["november"], sort="change", page=2)
    assert numbers(ascending)[-1] == "R-059"
    descending = page_of(runs["november"], sort="-change")
    assert numbers(descending)[0] == "R-058"
    assert numbers(page_of(runs["november"], sort="-change", page=2))[-1] == "R-059"


def test_filters_by_name_number_warnings_and_scheme(runs):
    assert numbers(page_of(runs["november"], q="person 04")) == [f"R-{n:03d}" for n in range(40, 50)]
    assert numbers(page_of(runs["november"], q="r-012")) == ["R-012"]
    assert numbers(page_of(runs["november"], warnings="1")) == ["R-007", "R-008"]
    by_scheme = page_of(runs["november"], scheme="Scheme B")
    assert by_scheme.context["review"]["count"] == 20 and all(int(n[2:]) % 3 == 0 for n in numbers(by_scheme))
    assert page_of(runs["november"], q="nobody").context["review"]["rows"] == []


def test_a_malformed_sort_or_threshold_falls_back_to_the_defaults(runs):
    response = page_of(runs["november"], sort="-password", threshold="lots")
    query = response.context["review"]["query"]
    assert (query.sort, query.descending, query.threshold_pct) == ("number", False, review.DEFAULT_THRESHOLD_PCT)


# --- change and flags ---------------------------------------------------------------------


def test_the_change_is_against_the_last_approved_payout_exactly(runs, company):
    # an unapproved October run with other totals is not what the change is against
    draft = PayrollRun.objects.create(company=company, period="2026-08", status=RunStatus.CANCELLED)
    payout(draft, runs["employees"][1], total="1.00")
    response = page_of(runs["november"])
    one = row_of(response, "R-001")  # 30,100.00 against 30,000.00
    assert (one["previous_total"], one["change"], one["previous_period"]) == (D("30000.00"), D("100.00"), "2026-10")
    assert one["change_pct"] == D("0.3")  # 100 / 30,000 = 0.333… %
    assert review.change_pct(one["change"], one["previous_total"]) == D(100) * 100 / D(30000)
    last = page_of(runs["november"], page=2)
    r58 = row_of(last, "R-058")  # 35,800.00 against September's 20,000.00
    assert (r58["previous_total"], r58["change"], r58["change_pct"]) == (D("20000.00"), D("15800.00"), D("79.0"))
    r59 = row_of(last, "R-059")
    assert (r59["previous_total"], r59["change"], r59["change_pct"], r59["big_change"]) == (None, None, None, False)


def test_flags_bonus_at_the_cap_zero_bonus_and_a_change_above_the_threshold(runs):
    first = page_of(runs["november"])
    assert row_of(first, "R-005")["at_cap"] and not row_of(first, "R-004")["at_cap"]
    assert row_of(first, "R-000")["zero_bonus"] and not row_of(first, "R-001")["zero_bonus"]
    # change 100 × n on 30,000: above 20 % from n = 61 on — none on page one; R-058 (+79 %) is
    last = page_of(runs["november"], page=2)
    assert row_of(last, "R-058")["big_change"]
    assert not any(row["big_change"] for row in first.context["review"]["rows"])
    # a 10 % threshold flags changes above 3,000.00: n ≥ 31
    flagged = [
        row["employee__personnel_number"]
        for row in page_of(runs["november"], threshold="10").context["review"]["rows"]
        if row["big_change"]
    ]
    assert flagged == [f"R-{n:03d}" for n in range(31, 50)]
    html = page_of(runs["november"], threshold="10").content.decode()
    assert 'data-flag="at_cap"' in html and 'data-flag="zero_bonus"' in html and 'data-flag="big_change"' in html


def test_each_row_opens_the_payouts_statement(runs):
    response = page_of(runs["november"])
    target = Payout.objects.get(run=runs["november"], employee__personnel_number="R-003")
    assert reverse("portal:payout_statement", args=[target.pk]) in response.content.decode()


# --- the histogram ------------------------------------------------------------------------


def test_the_histogram_counts_the_bonuses_in_round_ranges(runs):
    # bonuses 0, 100 … 5,900: the highest / 10 = 590 → ranges of 1,000
    buckets = review.bonus_histogram(runs["november"])
    assert [(b.low, b.high) for b in buckets[:3]] == [(None, D(0)), (D(0), D(1000)), (D(1000), D(2000))]
    assert [b.count for b in buckets] == [1, 10, 10, 10, 10, 10, 9]  # 100…1000, 1100…2000, …, 5100…5900
    assert sum(b.count for b in buckets) == 60
    html = page_of(runs["november"]).content.decode()
    assert '<svg viewBox="0 0 960 280" role="img" aria-labelledby="histogram-svg-title histogram-svg-desc"' in html
    assert 'data-bucket="1" data-count="10"' in html and "Employees</text>" in html


def test_the_histogram_geometry_scales_to_the_tallest_bar():
    chart = histogram_chart([review.Bucket(None, D(0), 2), review.Bucket(D(0), D(100), 8)])
    assert [bar["height"] for bar in chart["bars"]] == ["49.5", "198.0"]  # 198 units of plot, 8 at the top
    assert [tick["value"] for tick in chart["ticks"]] == [0, 2, 4, 6, 8]
    assert histogram_chart([]) == {"has_data": False}


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [("hr-r", 200), ("finance-r", 200), ("marketer-r", 403), ("hr-elsewhere", 404), ("finance-elsewhere", 404)],
    ids=["hr", "finance", "marketer", "hr-other-company", "finance-other-company"],
)
def test_only_hr_and_finance_of_the_runs_company_see_the_review(runs, username, status):
    other = CompanyFactory()
    for name, role in (("hr-elsewhere", "hr"), ("finance-elsewhere", "finance")):
        CompanyMembership.objects.create(user=User.objects.create_user(name, password="x"), company=other, role=role)
    response = client_for(username).get(reverse("portal:run", args=[runs["november"].pk]))
    assert response.status_code == status
    target = Payout.objects.filter(run=runs["november"]).first()
    statement = client_for(username).get(reverse("portal:payout_statement", args=[target.pk]))
    assert statement.status_code == (200 if status == 200 else 404)


def test_finance_sees_the_review_without_hrs_actions(runs):
    html = page_of(runs["november"], username="finance-r").content.decode()
    assert 'data-testid="review-payouts"' in html and 'data-testid="approve"' not in html
    assert f'href="{reverse("portal:finance")}"' in html  # back to finance's own page, not HR's


def test_anonymous_visitors_are_sent_to_sign_in(runs):
    response = Client().get(reverse("portal:run", args=[runs["november"].pk]))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


# --- a constant number of queries -----------------------------------------------------------


def test_every_page_costs_the_same_queries(runs, django_assert_num_queries):
    client = client_for("hr-r")
    url = reverse("portal:run", args=[runs["november"].pk])
    client.get(url)  # the session and the like, once
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    assert len(first.captured_queries) > 10  # the page's own queries were counted
    for params in ({"page": 2}, {"sort": "-change"}, {"sort": "change", "page": 2}, {"q": "Person", "warnings": "1"},
                   {"scheme": "Scheme B", "sort": "-bonus"}):  # fmt: skip
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(url, params).status_code == 200


# --- with the demo: warnings grouped, changes after a recalculation -------------------------


@pytest.fixture
def demo_run(demo, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(
            company=Employee.objects.get(personnel_number="DEMO-A").company, period=Period.parse(NOVEMBER),
            started_by=User.objects.get(username="hr"),
        )  # fmt: skip
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


def test_warnings_are_grouped_by_kind_and_kpi_with_names_counts_and_links(demo_run):
    expected: dict[tuple[str, str], set[str]] = {}
    for number, warnings in demo_run.payouts.values_list("employee__personnel_number", "warnings"):
        for warning in warnings:
            expected.setdefault((warning["code"], warning.get("kpi") or warning.get("factor") or ""), set()).add(number)
    assert expected, "the demo has warnings to group"

    response = client_for("hr").get(reverse("portal:run", args=[demo_run.pk]))
    groups = response.context["warning_groups"]
    assert {(g["code"], g["kpi_code"] or g["factor"]): g["employee_count"] for g in groups} == {
        key: len(numbers) for key, numbers in expected.items()
    }
    undefined = next(g for g in groups if g["code"] == "kpi_undefined")
    assert undefined["kpi_name"] == undefined["kpi"].name != undefined["kpi_code"]
    assert "M-035" in {e["personnel_number"] for e in undefined["employees"]}
    assert undefined["fixes"] and all(f["href"] == "/portal/hr/actuals/?period=2026-11" for f in undefined["fixes"])
    html = response.content.decode()
    assert undefined["kpi_name"] in html and f'data-kpi="{undefined["kpi_code"]}"' in html
    # the fix link opens HR's actuals grid for the run's month, in the portal
    fix = client_for("hr").get(undefined["fixes"][0]["href"])
    assert fix.status_code == 200 and "M-035" in fix.content.decode()


def test_after_a_recalculation_the_page_says_what_changed(demo_run, django_capture_on_commit_callbacks):
    # given: the first calculation; DEMO-A's November leads change from 200 to 150
    before = demo_run.payouts.get(employee__personnel_number="DEMO-A")
    first_calculated_at = demo_run.calculated_at
    assert not PreviousPayout.objects.filter(run=demo_run).exists()
    assert client_for("hr").get(reverse("portal:run", args=[demo_run.pk])).context["changes"] is None
    leads = MeasureValue.objects.get(employee__personnel_number="DEMO-A", period=NOVEMBER, measure__code="leads")
    MeasureValue.objects.filter(pk=leads.pk).update(value=D(150))

    # when: HR recalculates
    with django_capture_on_commit_callbacks(execute=True):
        payroll_run_recalculate(run=demo_run, requested_by=User.objects.get(username="hr2"))
    demo_run.refresh_from_db()
    assert demo_run.status == RunStatus.CALCULATED

    # then: the previous figures were kept, and DEMO-A is the one change, with the leads that differ
    after = demo_run.payouts.get(employee__personnel_number="DEMO-A")
    assert after.total != before.total
    assert PreviousPayout.objects.filter(run=demo_run).count() == demo_run.payouts.count()
    kept = PreviousPayout.objects.get(run=demo_run, employee__personnel_number="DEMO-A")
    assert (kept.total, kept.calculated_at) == (before.total, first_calculated_at)
    assert review.trace_inputs(kept.inputs) == review.trace_inputs(before.trace)  # the SQL keeps what Python reads
    changes = client_for("hr").get(reverse("portal:run", args=[demo_run.pk])).context["changes"]
    assert changes["changed_count"] == 1 and changes["joined_count"] == 0
    (row,) = changes["rows"]
    assert (row["employee"].personnel_number, row["old_total"], row["new_total"]) == (
        "DEMO-A",
        before.total,
        after.total,
    )
    assert row["delta"] == after.total - before.total
    assert {item["key"]: (item["old"], item["new"]) for item in row["inputs"]} == {
        "measure:leads": ("200.0000", "150.0000")
    }
    assert row["inputs"][0]["label"] == "Measure: Leads"


def test_a_second_recalculation_compares_with_the_one_before_it(demo_run, django_capture_on_commit_callbacks):
    hr2 = User.objects.get(username="hr2")
    with django_capture_on_commit_callbacks(execute=True):
        payroll_run_recalculate(run=demo_run, requested_by=hr2)
    MeasureValue.objects.filter(employee__personnel_number="DEMO-A", period=NOVEMBER, measure__code="leads").update(
        value=D(150)
    )
    with django_capture_on_commit_callbacks(execute=True):
        payroll_run_recalculate(run=demo_run, requested_by=hr2)
    changes = review.recalculation_changes(demo_run)
    assert [row["employee"].personnel_number for row in changes["rows"]] == ["DEMO-A"]
    assert PreviousPayout.objects.filter(run=demo_run).values("employee").distinct().count() == demo_run.payouts.count()


def test_the_trace_inputs_name_every_input_the_calculation_read():
    trace = {
        "fixed": {"working_days_in_period": 21, "hire_date": "2025-01-01", "termination_date": None,
                  "segments": [{"from": "2026-11-01", "monthly_amount": "30000.00"}]},
        "kpis": [{"code": "cpl", "plan": "500.0000", "measures": {"leads": "200", "marketing_spend": "1"},
                  "previous_measures": {"leads": "180"}}],
        "bonus": {"scheme": "S"},
        "adjustments": [{"amount": "-100.00", "reason": "late"}],
    }  # fmt: skip
    assert review.trace_inputs(trace) == {
        "working_days": "21", "hire_date": "2025-01-01", "termination_date": None, "salary:2026-11-01": "30000.00",
        "scheme": "S", "plan:cpl": "500.0000", "measure:leads": "200", "measure:marketing_spend": "1",
        "previous:leads": "180", "adjustment:1": "-100.00 late",
    }  # fmt: skip
    assert review.trace_inputs(review.trace_input_parts(trace)) == review.trace_inputs(trace)  # what is kept suffices
    assert review.inputs_differ({"a": "1", "b": "2"}, {"b": "3", "c": "4"}) == [
        {"key": "a", "old": "1", "new": None}, {"key": "b", "old": "2", "new": "3"}, {"key": "c", "old": None, "new": "4"},
    ]  # fmt: skip


def test_the_review_reads_in_russian(runs):
    client = client_for("hr-r")
    client.post(reverse("portal:set_language"), {"language": "ru", "next": "/"})
    html = client.get(reverse("portal:run", args=[runs["november"].pk]), {"threshold": "10"}).content.decode()
    assert "Выплаты" in html and "Таб. №" in html and "нулевая премия" in html and "премия на потолке" in html
    assert "Сколько сотрудников получают премию каждого размера" in html
