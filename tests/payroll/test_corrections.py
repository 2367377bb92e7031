"""Corrections of closed periods (issue 13, item 4): recorded beside the approved rows,
recomputed on the run's chunked path, approved under four-eyes, posted forward as
adjustments; and the API over them, with its role and company matrix."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from compensation.demo import seed_demo
from compensation.models import SalaryAgreement
from engine import Period
from kpis.models import Kpi, Measure, MeasureValue
from organizations.models import Company, Employee
from payroll.models import Adjustment, Correction, CorrectionStatus, Payout, PayrollRun
from payroll.services import payroll_run_approve, payroll_run_start
from payroll.services.corrections import (
    CORRECTION_ENDED,
    CORRECTION_FOUR_EYES,
    CORRECTION_NOT_CALCULATED,
    CORRECTION_PERIOD_OPEN,
    CORRECTION_POSTED,
    CORRECTION_STALE,
    ChangeSpec,
    CorrectionError,
    corrected_figures,
    correction_approve,
    correction_calculate,
    correction_cancel,
    correction_change_add,
    correction_create,
    ensure_not_posted_delta,
    next_open_period,
    posted_reason,
    signed_money,
)
from tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Every task runs in this process."""


def calculated_run(company, period, by):
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=by, chunk_size=7)
    run.refresh_from_db()
    assert run.status == "calculated", run.error
    return run


def calculate(correction, by):
    with TestCase.captureOnCommitCallbacks(execute=True):
        correction_calculate(correction=correction, requested_by=by)
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.CALCULATED, correction.error
    return correction


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
def november(demo, hr, hr2) -> PayrollRun:
    """November approved: started by hr2, approved by hr."""
    return payroll_run_approve(run=calculated_run(demo, "2026-11", hr2), approved_by=hr)


def demo_a(demo) -> Employee:
    return Employee.objects.get(company=demo, personnel_number="DEMO-A")


def leads() -> Measure:
    return Measure.objects.get(company=None, code="leads")


def disqualify(demo, by, value="186", reason="14 leads disqualified") -> Correction:
    change = ChangeSpec(employee=demo_a(demo), kind="measure", measure=leads(), value=D(value))
    return correction_create(company=demo, period="2026-11", reason=reason, changes=[change], created_by=by)


def test_a_correction_of_an_open_period_is_refused(demo, hr):
    with pytest.raises(CorrectionError) as refused:
        disqualify(demo, hr)
    assert refused.value.code == CORRECTION_PERIOD_OPEN
    assert not Correction.objects.exists()


def test_the_recomputation_shows_approved_corrected_and_delta_and_leaves_the_books(demo, hr, november):
    payout = Payout.objects.get(run=november, employee=demo_a(demo))
    approved_trace, approved_total = payout.trace, payout.total
    value_before = MeasureValue.objects.get(employee=demo_a(demo), period="2026-11", measure=leads()).value

    correction = calculate(disqualify(demo, hr), hr)

    (result,) = correction.results.all()
    assert result.approved_total == result.baseline_total == approved_total == D("45000.00")
    assert result.total < approved_total and result.delta == result.total - approved_total
    assert result.total == result.fixed + result.bonus + result.adjustments
    assert correction.delta_total == result.delta and correction.changed_count == 1
    lines = {line["line"]: line for line in result.changed_lines}
    assert lines["total"] == {"line": "total", "was": "45000.00", "now": str(result.total)}
    assert any(line.startswith("kpis[") for line in lines)
    assert correction.changes.get().was == str(value_before)
    # Nothing approved was written over.
    payout.refresh_from_db()
    assert (payout.trace, payout.total) == (approved_trace, approved_total)
    assert MeasureValue.objects.get(employee=demo_a(demo), period="2026-11", measure=leads()).value == value_before


def test_approval_is_four_eyes_and_posts_the_delta_into_the_next_open_period(demo, hr, hr2, november):
    correction = calculate(disqualify(demo, hr), hr)
    with pytest.raises(CorrectionError) as refused:
        correction_approve(correction=correction, approved_by=hr)
    assert refused.value.code == CORRECTION_FOUR_EYES

    correction = correction_approve(correction=correction, approved_by=hr2)

    delta = correction.results.get().delta
    posted = Adjustment.objects.get(correction=correction)
    assert (posted.employee, posted.period, posted.source_period, posted.amount) == (
        demo_a(demo), "2026-12", "2026-11", delta
    )
    assert posted.reason == f"correction for November 2026: {signed_money(delta)} — 14 leads disqualified"
    assert posted.reason.startswith("correction for November 2026: −")
    assert correction.status == CorrectionStatus.APPROVED and correction.posted_to == "2026-12"
    assert correction.approved_by == hr2 and correction.four_eyes_at_approval is True
    # December's run counts it and its trace shows the reason.
    december = calculated_run(demo, "2026-12", hr)
    payout = Payout.objects.get(run=december, employee=demo_a(demo))
    assert {"amount": str(delta), "reason": posted.reason} in payout.trace["adjustments"]
    assert payout.adjustments == delta


def test_only_non_zero_deltas_are_posted(demo, hr, hr2, november):
    same = MeasureValue.objects.get(employee=demo_a(demo), period="2026-11", measure=leads()).value
    correction = calculate(disqualify(demo, hr, value=str(same), reason="checked, no change"), hr)
    assert correction.results.get().delta == 0

    correction_approve(correction=correction, approved_by=hr2)

    assert not Adjustment.objects.filter(correction=correction).exists()


def test_the_delta_goes_past_every_closed_period(demo, hr, hr2, november, monkeypatch):
    correction = calculate(disqualify(demo, hr), hr)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2027, 1, 5))  # December is over
    payroll_run_approve(run=calculated_run(demo, "2026-12", hr2), approved_by=hr)

    correction_approve(correction=correction, approved_by=hr2)

    assert Adjustment.objects.get(correction=correction).period == "2027-01"
    assert next_open_period(company=demo, after=Period.parse("2026-10")) == Period.parse("2027-01")


def test_corrections_of_a_period_stack(demo, hr, hr2, november):
    first = correction_approve(correction=calculate(disqualify(demo, hr, "186"), hr), approved_by=hr2)
    first_delta = first.results.get().delta
    approved = Payout.objects.get(run=november, employee=demo_a(demo)).total

    second = calculate(disqualify(demo, hr, "150", reason="36 more disqualified"), hr)

    result = second.results.get()
    assert result.approved_total == result.baseline_total == approved + first_delta
    assert result.delta == result.total - (approved + first_delta)
    correction_approve(correction=second, approved_by=hr2)
    figures = corrected_figures(company=demo, period="2026-11")
    assert figures[demo_a(demo).pk] == approved + first_delta + result.delta == result.total


def test_a_correction_calculated_before_another_was_approved_must_be_calculated_again(demo, hr, hr2, november):
    first = calculate(disqualify(demo, hr, "186"), hr)
    second = calculate(disqualify(demo, hr, "150"), hr)
    correction_approve(correction=first, approved_by=hr2)

    with pytest.raises(CorrectionError) as refused:
        correction_approve(correction=second, approved_by=hr2)
    assert refused.value.code == CORRECTION_STALE

    second = calculate(second, hr)
    assert second.results.get().baseline_total == first.results.get().total
    correction_approve(correction=second, approved_by=hr2)


def test_changing_a_calculated_correction_sends_it_back_to_draft(demo, hr, hr2, november):
    correction = calculate(disqualify(demo, hr), hr)
    plan = Kpi.objects.get(company=None, code="leads")

    correction_change_add(
        correction=correction, change=ChangeSpec(employee=demo_a(demo), kind="plan", kpi=plan, value=D(220))
    )

    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.DRAFT and not correction.results.exists()
    with pytest.raises(CorrectionError) as refused:
        correction_approve(correction=correction, approved_by=hr2)
    assert refused.value.code == CORRECTION_NOT_CALCULATED
    correction = calculate(correction, hr)
    assert correction.results.get().delta < 0  # fewer leads against a higher plan


def test_a_backdated_raise_is_a_salary_change(demo, hr, november):
    employee = demo_a(demo)
    raise_ = ChangeSpec(employee=employee, kind="salary", value=D("33000.00"), effective_from=date(2026, 11, 1))
    correction = correction_create(company=demo, period="2026-11", reason="raise from 1 November", changes=[raise_], created_by=hr)

    result = calculate(correction, hr).results.get()

    assert result.fixed == D("33000.00") and result.delta > D("3000.00")  # the bonus is a share of the fixed pay
    assert list(SalaryAgreement.objects.filter(employee=employee).values_list("monthly_amount", flat=True)) == [
        D("30000.00")
    ]


def test_a_change_must_fit_the_correction(demo, hr, november):
    stranger = EmployeeFactory(company=CompanyFactory())
    late = EmployeeFactory(company=demo, hire_date=date(2027, 1, 1))
    for spec, field in (
        (ChangeSpec(employee=stranger, kind="measure", measure=leads(), value=D(1)), "employee"),
        (ChangeSpec(employee=late, kind="measure", measure=leads(), value=D(1)), "employee"),
        (ChangeSpec(employee=demo_a(demo), kind="measure", value=D(1)), "measure"),
        (ChangeSpec(employee=demo_a(demo), kind="plan", kpi=Kpi.objects.get(company=None, code="leads"), value=D(0)), "value"),
        (ChangeSpec(employee=demo_a(demo), kind="salary", value=D(1), effective_from=date(2026, 12, 1)), "effective_from"),
    ):
        with pytest.raises(ValidationError) as refused:
            correction_create(company=demo, period="2026-11", reason="x", changes=[spec], created_by=hr)
        assert field in refused.value.message_dict
    assert not Correction.objects.exists()


def test_cancel_and_the_ended_states(demo, hr, hr2, november):
    cancelled = correction_cancel(correction=calculate(disqualify(demo, hr), hr), by=hr)
    assert cancelled.status == CorrectionStatus.CANCELLED
    for action in (
        lambda c: correction_approve(correction=c, approved_by=hr2),
        lambda c: correction_cancel(correction=c, by=hr),
        lambda c: correction_calculate(correction=c, requested_by=hr),
    ):
        with pytest.raises(CorrectionError) as refused:
            action(cancelled)
        assert refused.value.code == CORRECTION_ENDED
    approved = correction_approve(correction=calculate(disqualify(demo, hr), hr), approved_by=hr2)
    with pytest.raises(CorrectionError):
        correction_cancel(correction=approved, by=hr)
    assert not Adjustment.objects.filter(correction=cancelled).exists()


def test_a_posted_delta_is_not_removed_by_hand(demo, hr, hr2, november):
    approved = correction_approve(correction=calculate(disqualify(demo, hr), hr), approved_by=hr2)
    with pytest.raises(CorrectionError) as refused:
        ensure_not_posted_delta(Adjustment.objects.get(correction=approved))
    assert refused.value.code == CORRECTION_POSTED


def test_the_reason_is_cut_to_fit(demo, hr, november):
    correction = disqualify(demo, hr, reason="x" * 300)
    assert len(posted_reason(correction, D("-1250.00"))) <= 500
    assert posted_reason(Correction(period="2026-11", reason="r"), D("-1250")) == "correction for November 2026: −1,250.00 — r"


def test_deleting_a_posted_delta_is_refused_on_the_adjustment_path(demo, hr, hr2, november):
    from payroll.services import adjustment_delete

    approved = correction_approve(correction=calculate(disqualify(demo, hr), hr), approved_by=hr2)
    with pytest.raises(CorrectionError):
        adjustment_delete(adjustment=Adjustment.objects.get(correction=approved))
    assert Adjustment.objects.filter(correction=approved).exists()



def test_changed_lines_name_each_leaf_that_differs_and_skip_equal_parts():
    from payroll.services.corrections import changed_lines

    before = {"fixed": {"amount": "1.00"}, "kpis": [{"code": "leads", "actual": "200"}], "bonus": None, "total": "1.00"}
    after = {"fixed": {"amount": "1.00"}, "kpis": [{"code": "leads", "actual": "186"}, {"code": "cpl"}], "bonus": {"amount": "5"}, "total": "6.00"}

    assert changed_lines(before, after) == [
        {"line": "kpis[0].actual", "was": "200", "now": "186"},
        {"line": "kpis[1].code", "was": None, "now": "cpl"},
        {"line": "bonus.amount", "was": None, "now": "5"},
        {"line": "total", "was": "1.00", "now": "6.00"},
    ]
    assert changed_lines(after, after) == []


def test_the_admin_does_not_delete_a_posted_delta(demo, hr, hr2, november, client):
    approved = correction_approve(correction=calculate(disqualify(demo, hr), hr), approved_by=hr2)
    posted = Adjustment.objects.get(correction=approved)
    client.force_login(User.objects.get(username="admin"))

    single = client.post(f"/admin/payroll/adjustment/{posted.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/payroll/adjustment/", {"action": "delete_selected", "_selected_action": [posted.pk], "post": "yes"}
    )

    assert single.status_code == bulk.status_code == 403
    assert Adjustment.objects.filter(pk=posted.pk).exists()


def several(demo, hr, numbers=("DEMO-A", "DEMO-C", "M-001")) -> Correction:
    changes = [
        ChangeSpec(employee=Employee.objects.get(company=demo, personnel_number=number), kind="measure", measure=leads(), value=D(1))
        for number in numbers
    ]
    return correction_create(company=demo, period="2026-11", reason="audit", changes=changes, created_by=hr, chunk_size=1)


def test_the_calculation_is_chunked_and_a_stale_or_repeated_chunk_writes_nothing(demo, hr, november):
    from payroll.services.corrections import Chunk, correction_chunk_compute, correction_finalize, correction_split

    correction = several(demo, hr)
    Correction.objects.filter(pk=correction.pk).update(status=CorrectionStatus.CALCULATING, calculation=1)

    chunks = correction_split(correction_id=correction.pk, calculation=1)

    assert [len(chunk.employee_ids) for chunk in chunks] == [1, 1, 1]
    assert correction_chunk_compute(correction_id=correction.pk, calculation=0, chunk=chunks[0]) is False  # stale
    assert not correction.results.exists()
    assert correction_chunk_compute(correction_id=correction.pk, calculation=1, chunk=chunks[0]) is False
    correction_chunk_compute(correction_id=correction.pk, calculation=1, chunk=chunks[0])  # redelivered
    assert correction.results.count() == 1
    assert correction_chunk_compute(correction_id=correction.pk, calculation=1, chunk=chunks[1]) is False
    assert correction_chunk_compute(correction_id=correction.pk, calculation=1, chunk=Chunk(2, chunks[2].employee_ids)) is True
    done = correction_finalize(correction_id=correction.pk, calculation=1)
    assert done is not None and done.status == CorrectionStatus.CALCULATED and done.employees_done == 3
    assert done.delta_total == sum(r.delta for r in done.results.all())
    assert correction_finalize(correction_id=correction.pk, calculation=1) is None  # once


def test_a_failed_calculation_goes_back_to_draft_with_the_error(demo, hr, november):
    from payroll.services.corrections import correction_fail

    correction = several(demo, hr)
    Correction.objects.filter(pk=correction.pk).update(status=CorrectionStatus.CALCULATING, calculation=4)

    correction_fail(correction_id=correction.pk, calculation=3, error="stale")  # an older calculation's: ignored
    correction_fail(correction_id=correction.pk, calculation=4, error="OperationalError: gone")

    correction.refresh_from_db()
    assert (correction.status, correction.error) == (CorrectionStatus.DRAFT, "OperationalError: gone")


def test_a_cancelled_correction_s_chunks_write_nothing(demo, hr, november):
    from payroll.services.corrections import correction_chunk_compute, correction_split

    correction = several(demo, hr)
    Correction.objects.filter(pk=correction.pk).update(status=CorrectionStatus.CALCULATING, calculation=1)
    chunks = correction_split(correction_id=correction.pk, calculation=1)
    correction_cancel(correction=correction, by=hr)

    assert not any(correction_chunk_compute(correction_id=correction.pk, calculation=1, chunk=c) for c in chunks)
    assert not correction.results.exists()
