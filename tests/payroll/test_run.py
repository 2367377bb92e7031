"""The payroll run life cycle, with Celery eager in this process (the real worker is
tested in test_real_worker.py)."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from compensation.demo import seed_demo
from config.celery import app as celery_app
from core.periods import PeriodClosedError
from engine import Period
from kpis.models import MeasureValue
from organizations.models import Company, Employee
from payroll.models import Payout, PayrollRun, RunStatus
from payroll.selectors import payroll_run_warnings
from payroll.services import (
    FOUR_EYES,
    PERIOD_CLOSED,
    RUN_FROZEN,
    Chunk,
    RunStateError,
    adjustment_create,
    payroll_chunk_compute,
    payroll_run_approve,
    payroll_run_cancel,
    payroll_run_fail,
    payroll_run_mark_paid,
    payroll_run_recalculate,
    payroll_run_split,
    payroll_run_start,
    payroll_start_scheduled_runs,
)
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db
NOVEMBER = Period.parse("2026-11")


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Every test here runs its tasks in this process."""


@pytest.fixture
def demo() -> Company:
    return seed_demo()


@pytest.fixture
def hr() -> User:
    return User.objects.get(username="hr")


@pytest.fixture
def hr2() -> User:
    return User.objects.get(username="hr2")


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    def start(company, period=NOVEMBER, by=None, chunk_size=7):
        with django_capture_on_commit_callbacks(execute=True):
            run, created = payroll_run_start(company=company, period=period, started_by=by, chunk_size=chunk_size)
        run.refresh_from_db()
        return run, created

    return start


@pytest.fixture
def recalculate(django_capture_on_commit_callbacks):
    def recalculate(run, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            payroll_run_recalculate(run=run, requested_by=by)
        run.refresh_from_db()
        return run

    return recalculate


def payout_of(run, number: str) -> Payout:
    return run.payouts.get(employee__personnel_number=number)


def test_a_run_computes_one_payout_per_employee_and_sums_them(demo, hr, start):
    run, created = start(demo, by=hr)
    run.refresh_from_db()

    assert created and run.status == RunStatus.CALCULATED
    employees = Employee.objects.filter(company=demo).count()
    assert run.payouts.count() == run.employees_total == run.employees_done == employees
    assert run.chunks_total == -(-employees // 7)
    assert payout_of(run, "DEMO-A").total == Decimal("45000.00")
    assert payout_of(run, "DEMO-B").bonus == Decimal("20000.00")
    assert payout_of(run, "DEMO-C").fixed == Decimal("48857.14")
    assert run.total == sum(p.total for p in run.payouts.all())
    assert run.total == run.fixed_total + run.bonus_total + run.adjustments_total
    assert [(t.from_status, t.to_status, t.by) for t in run.transitions.all()] == [
        ("", "queued", hr),
        ("queued", "calculating", hr),
        ("calculating", "calculated", hr),
    ]


def test_starting_a_run_that_exists_returns_it(demo, start):
    first, created = start(demo)
    second, created_again = start(demo)
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk and PayrollRun.objects.count() == 1


def test_the_database_allows_one_live_run_per_company_and_period(demo, start):
    run, _ = start(demo)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollRun.objects.create(company=demo, period=run.period)


def test_a_failed_run_does_not_block_a_new_one(demo, start):
    run, _ = start(demo)
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING)
    payroll_run_fail(run_id=run.pk, calculation=run.calculation, error="worker exploded")
    fresh, created = start(demo)
    assert created and fresh.pk != run.pk
    assert PayrollRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_recalculation_replaces_the_payouts(demo, hr, start, recalculate):
    run, _ = start(demo, by=hr)
    MeasureValue.objects.filter(
        employee__personnel_number="DEMO-A", period="2026-11", measure__code="marketing_spend"
    ).update(value=Decimal("100000.00"))

    recalculate(run, by=hr)

    assert run.status == RunStatus.CALCULATED and run.calculation == 2
    assert run.payouts.count() == run.employees_total
    assert payout_of(run, "DEMO-A").total == Decimal("60000.00")  # CPL 500 → k2 = 1


def test_bad_data_never_fails_the_run_and_every_warning_names_the_employee(demo, start):
    EmployeeFactory(company=demo, personnel_number="ZZ-BARE", full_name="No Setup")
    run, _ = start(demo)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    warnings = payroll_run_warnings(run)
    bare = {(w["personnel_number"], w["code"]) for w in warnings if w["personnel_number"] == "ZZ-BARE"}
    assert bare == {("ZZ-BARE", "no_salary"), ("ZZ-BARE", "no_scheme")}
    assert ("M-035", "kpi_undefined") in {(w["personnel_number"], w["code"]) for w in warnings}
    assert run.warnings_count == 2


def test_a_redelivered_chunk_never_duplicates(demo, start):
    run, _ = start(demo)
    ids = list(run.payouts.order_by("employee__personnel_number").values_list("employee_id", flat=True)[:7])
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING)
    for _ in range(2):
        payroll_chunk_compute(run_id=run.pk, calculation=run.calculation, chunk=Chunk(0, ids))
    run.refresh_from_db()
    assert run.payouts.count() == run.employees_total == run.employees_done
    assert run.payouts.filter(employee_id__in=ids).count() == 7


def test_a_stale_chunk_writes_nothing(demo, start):
    run, _ = start(demo)
    ids = list(run.payouts.values_list("employee_id", flat=True)[:3])
    run.payouts.filter(employee_id__in=ids).delete()
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING)
    payroll_chunk_compute(run_id=run.pk, calculation=run.calculation - 1, chunk=Chunk(0, ids))
    assert not run.payouts.filter(employee_id__in=ids).exists()


def test_queries_per_chunk_do_not_grow_with_chunk_size(demo, django_assert_num_queries, start):
    run, _ = start(demo)
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING)
    ids = list(Employee.objects.filter(company=demo).order_by("pk").values_list("pk", flat=True))

    def queries_for(employee_ids) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            payroll_chunk_compute(run_id=run.pk, calculation=run.calculation, chunk=Chunk(0, employee_ids))
        return len(captured.captured_queries)

    assert queries_for(ids[:3]) == queries_for(ids[:35])


def test_four_eyes_the_approver_cannot_be_the_starter(demo, hr, hr2, start):
    run, _ = start(demo, by=hr)
    with pytest.raises(RunStateError) as refused:
        payroll_run_approve(run=run, approved_by=hr)
    assert refused.value.code == FOUR_EYES
    approved = payroll_run_approve(run=run, approved_by=hr2)
    assert (approved.status, approved.approved_by) == (RunStatus.APPROVED, hr2)


def test_four_eyes_is_a_company_setting(demo, hr, start):
    Company.objects.filter(pk=demo.pk).update(four_eyes_approval=False)
    run, _ = start(Company.objects.get(pk=demo.pk), by=hr)
    assert payroll_run_approve(run=run, approved_by=hr).status == RunStatus.APPROVED


def test_an_approved_run_refuses_recalculation_cancellation_and_adjustments(demo, hr, hr2, start, recalculate):
    run, _ = start(demo, by=hr)
    payroll_run_approve(run=run, approved_by=hr2)
    totals = list(run.payouts.order_by("pk").values_list("total", flat=True))
    for action in (lambda: recalculate(run, by=hr), lambda: payroll_run_cancel(run=run, by=hr)):
        with pytest.raises(RunStateError) as refused:
            action()
        assert refused.value.code == RUN_FROZEN
    employee = Employee.objects.get(personnel_number="DEMO-A")
    with pytest.raises(PeriodClosedError) as closed:
        adjustment_create(employee=employee, period="2026-11", amount=Decimal("500.00"), reason="late fix")
    assert closed.value.code == PERIOD_CLOSED
    assert list(run.payouts.order_by("pk").values_list("total", flat=True)) == totals
    finance = User.objects.get(username="finance")
    paid = payroll_run_mark_paid(run=run, by=finance, payment_date=timezone.localdate(), payment_reference="BANK-2026-11")
    assert (paid.status, paid.payment_reference) == (RunStatus.PAID, "BANK-2026-11")


def test_adjustments_count_in_the_next_run(demo, hr, hr2, start):
    october, _ = start(demo, period=Period.parse("2026-10"), by=hr)
    payroll_run_approve(run=october, approved_by=hr2)
    employee = Employee.objects.get(personnel_number="DEMO-A")
    adjustment_create(employee=employee, period="2026-11", amount=Decimal("-1234.56"), reason="October overpaid")

    november, _ = start(demo, by=hr)
    november.refresh_from_db()

    payout = payout_of(november, "DEMO-A")
    assert (payout.adjustments, payout.total) == (Decimal("-1234.56"), Decimal("43765.44"))
    assert payout.trace["adjustments"] == [{"amount": "-1234.56", "reason": "October overpaid"}]
    assert november.adjustments_total == Decimal("-1234.56")


def test_cancelling_stops_the_calculation(demo, start):
    run, _ = start(demo)
    cancelled = payroll_run_cancel(run=run)
    assert cancelled.status == RunStatus.CANCELLED
    assert payroll_run_split(run_id=run.pk, calculation=cancelled.calculation - 1) == []


def test_the_schedule_computes_last_month_for_companies_with_automatic_runs(django_capture_on_commit_callbacks):
    automatic = CompanyFactory(automatic_runs=True)
    CompanyFactory(automatic_runs=False)
    EmployeeFactory(company=automatic)
    with django_capture_on_commit_callbacks(execute=True):
        runs = payroll_start_scheduled_runs(today=date(2026, 12, 1))
    assert [(r.company, r.period) for r in runs] == [(automatic, "2026-11")]
    assert PayrollRun.objects.get().status == RunStatus.CALCULATED


def test_the_beat_schedule_runs_on_the_first_of_the_month():
    entry = celery_app.conf.beat_schedule["monthly-payroll"]
    assert entry["task"] == "payroll.tasks.start_monthly_runs"
    assert entry["schedule"].day_of_month == {1}


@pytest.mark.django_db(transaction=True)
def test_run_payroll_command_prints_the_run_as_json():
    seed_demo()
    out = StringIO()
    call_command(
        "run_payroll", "--company", "demo", "--period", "2026-11", "--wait", "--timeout", "60", "--json", stdout=out
    )
    summary = json.loads(out.getvalue())
    run = PayrollRun.objects.get()
    assert summary == {
        "id": run.pk, "company": "demo", "period": "2026-11", "status": "calculated",
        "employees": run.employees_total, "employees_done": run.employees_total,
        "fixed": str(run.fixed_total), "bonus": str(run.bonus_total), "adjustments": "0.00",
        "total": str(run.total), "warnings": 1,
    }


def test_a_run_whose_chunk_was_lost_is_resumed_and_closed(demo, start, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from payroll.tasks import resume_stalled_runs

    run, _ = start(demo)
    lost = list(run.payouts.order_by("pk").values_list("employee_id", flat=True)[:9])
    run.payouts.filter(employee_id__in=lost).delete()
    long_ago = timezone.now() - timedelta(hours=3)
    PayrollRun.objects.filter(pk=run.pk).update(
        status=RunStatus.CALCULATING, employees_done=run.employees_total - 9, progressed_at=long_ago
    )

    assert resume_stalled_runs() == [run.pk]

    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    assert run.payouts.count() == run.employees_total == run.employees_done
    assert run.total == sum(p.total for p in run.payouts.all())


def test_a_run_that_is_progressing_is_left_alone(demo, start):
    from payroll.tasks import resume_stalled_runs

    run, _ = start(demo)
    PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.CALCULATING)
    assert resume_stalled_runs() == []


def test_by_default_a_stalled_run_is_resumed_within_ninety_seconds_whatever_the_visibility_timeout(settings):
    from celery.schedules import maybe_schedule
    from django.conf import settings as django_settings

    from config import settings as defaults

    entry = celery_app.conf.beat_schedule["resume-stalled-payroll-runs"]
    every = maybe_schedule(entry["schedule"]).run_every.total_seconds()
    assert entry["task"] == "payroll.tasks.resume_stalled_runs"
    assert django_settings.PAYROLL_STALLED_AFTER_SECONDS == defaults.PAYROLL_STALLED_AFTER_SECONDS
    assert defaults.PAYROLL_STALLED_AFTER_SECONDS + every <= 90 < defaults.REDIS_VISIBILITY_TIMEOUT


def test_a_queued_run_whose_calculation_was_lost_is_calculated_again(demo, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from payroll.services import payroll_resume_stalled_runs
    from payroll.tasks import resume_stalled_runs

    with django_capture_on_commit_callbacks(execute=False):  # the calculate_run message is lost
        run, _ = payroll_run_start(company=demo, period=NOVEMBER)
    assert run.status == RunStatus.QUEUED
    assert payroll_resume_stalled_runs(now=timezone.now(), stalled_after=timedelta(seconds=60)) == []

    PayrollRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(seconds=61))
    assert resume_stalled_runs() == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    assert run.payouts.count() == run.employees_total == Employee.objects.filter(company=demo).count()


def test_an_employee_deleted_after_the_split_leaves_the_run_to_end_without_them(demo):
    from payroll.tasks import compute_chunk

    run, _ = payroll_run_start(company=demo, period=NOVEMBER, chunk_size=7)  # eager, but on commit: not yet
    run.refresh_from_db()
    chunks = payroll_run_split(run_id=run.pk, calculation=run.calculation)
    employees = sum(len(chunk.employee_ids) for chunk in chunks)
    Employee.objects.filter(pk=chunks[-1].employee_ids[0]).delete()  # as a script would, past the API's check
    for chunk in chunks:
        compute_chunk.delay(run.pk, run.calculation, chunk.index, chunk.employee_ids)

    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED, run.error
    assert run.payouts.count() == run.employees_total == run.employees_done == employees - 1
    assert run.employees_gone == 1
    assert run.transitions.last().note == "1 employees were deleted during the calculation"


def test_a_chunk_written_again_writes_nothing_and_counts_nothing(demo):
    from payroll.tasks import compute_chunk

    run, _ = payroll_run_start(company=demo, period=NOVEMBER, chunk_size=7)
    run.refresh_from_db()
    chunks = payroll_run_split(run_id=run.pk, calculation=run.calculation)
    payroll_chunk_compute(run_id=run.pk, calculation=run.calculation, chunk=chunks[0])
    payroll_chunk_compute(run_id=run.pk, calculation=run.calculation, chunk=Chunk(99, chunks[0].employee_ids + chunks[1].employee_ids))
    run.refresh_from_db()
    assert run.payouts.count() == run.employees_done == 14
    assert set(run.payouts.filter(chunk=0).values_list("employee_id", flat=True)) == set(chunks[0].employee_ids)
    for chunk in chunks:
        compute_chunk.delay(run.pk, run.calculation, chunk.index, chunk.employee_ids)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    assert run.payouts.count() == run.employees_total == run.employees_done
