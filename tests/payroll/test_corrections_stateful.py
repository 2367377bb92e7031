"""Random sequences of what HR and finance do to a company's months, through the services:
edit and import measure values, add adjustments, calculate and recalculate runs, approve
and pay them, record, calculate, approve and cancel corrections (issue 13, item 7).

Whatever the order, after every step:
- an approved (or paid) payout, its total and its trace are what they were at approval;
- a closed period's corrected figure is its approved payout + its approved corrections'
  deltas (tracked here independently of `corrected_figures`, which must agree), and a
  correction approved stacks on exactly that figure;
- every approved delta has flowed forward: the adjustments linked to a period's
  corrections sum to its approved deltas, all in open periods after it.

An edit of a closed period's inputs may be accepted or refused (`DomainError`): the rule
that refuses them comes with another part of the issue, and the invariants hold either way.
Each example runs in a savepoint that is rolled back at its end."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from compensation.models import BandTable, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from compensation.selectors import forget_compiled_configurations
from compensation.services import band_table_save, bonus_scheme_save
from core.errors import DomainError
from engine import Period
from kpis.imports import items_import
from kpis.models import Kpi, Measure, MeasureValue, Plan
from kpis.services import measure_value_upsert
from organizations.models import Company, CompanyMembership, Employee
from payroll.models import ENDED_WITHOUT_RESULT, FROZEN, Adjustment, Correction, CorrectionStatus, Payout, PayrollRun
from payroll.services import (
    adjustment_create,
    payroll_run_approve,
    payroll_run_mark_paid,
    payroll_run_recalculate,
    payroll_run_start,
)
from payroll.services.corrections import (
    ChangeSpec,
    corrected_figures,
    correction_approve,
    correction_calculate,
    correction_cancel,
    correction_create,
)

pytestmark = pytest.mark.django_db
D = Decimal
PERIODS = ["2026-09", "2026-10", "2026-11"]
EMPLOYEES = 3


def _member(username: str, company: Company, role: str) -> User:
    user = User.objects.create_user(username=username, password="x")
    CompanyMembership.objects.create(user=user, company=company, role=role)
    return user


def build_world() -> dict:
    company = Company.objects.create(name="Stateful", slug="stateful")
    users = {role: _member(f"st_{role}", company, role.rstrip("2")) for role in ("hr", "hr2", "finance")}
    bands = band_table_save(
        table=BandTable(company=company, name="Leads"),
        points=[(D(0), D(0)), (D(80), D("0.5")), (D(100), D(1)), (D(120), D("1.5"))],
    )
    leads_kpi = Kpi.objects.get(company=None, code="leads")
    scheme = bonus_scheme_save(
        scheme=BonusScheme(company=company, name="Leads", base_share=D("0.5")),
        factors=[SchemeFactor(name="k1", input_kind="kpi", kpi=leads_kpi, band_table=bands)],
    )
    leads = Measure.objects.get(company=None, code="leads")
    employees = []
    for n in range(EMPLOYEES):
        employee = Employee.objects.create(
            company=company, personnel_number=f"S-{n}", full_name=f"Stateful {n}", hire_date=date(2025, 1, 1)
        )
        SalaryAgreement.objects.create(employee=employee, effective_from=date(2025, 1, 1), monthly_amount=D("1000.00"))
        SchemeAssignment.objects.create(employee=employee, scheme=scheme, effective_from=date(2025, 1, 1))
        for period in PERIODS:
            Plan.objects.create(employee=employee, period=period, kpi=leads_kpi, value=D(100))
            MeasureValue.objects.create(employee=employee, period=period, measure=leads, value=D(90))
        employees.append(employee)
    return {"company": company, "users": users, "employees": employees, "leads": leads}


periods = st.sampled_from(PERIODS)
employee_indexes = st.integers(0, EMPLOYEES - 1)
lead_counts = st.integers(0, 150)
approvers = st.sampled_from(["hr2", "hr2", "hr"])  # mostly the one who did not start it


class MonthsMachine(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        forget_compiled_configurations()
        self.company = self.world["company"]
        self.users = self.world["users"]
        self.employees = self.world["employees"]
        self.leads = self.world["leads"]
        self.approved: dict[int, tuple[Decimal, dict]] = {}  # payout id → (total, trace) at approval
        self.figures: dict[tuple[str, int], Decimal] = {}  # (period, employee id) → corrected figure
        self.deltas: dict[tuple[str, int], Decimal] = defaultdict(Decimal)  # approved deltas
        self.corrections: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers ----------------------------------------------------------------------------

    def _live_run(self, period: str) -> PayrollRun | None:
        return PayrollRun.objects.exclude(status__in=ENDED_WITHOUT_RESULT).filter(company=self.company, period=period).first()

    def _tolerated(self, action) -> None:
        """Run `action`; a domain refusal is an acceptable outcome."""
        try:
            with transaction.atomic():
                action()
        except DomainError:
            pass

    # --- what HR and finance do -------------------------------------------------------------------

    @initialize()
    def close_the_first_month(self):
        """September approved from the start, so corrections have a closed period at once."""
        self.calculate_the_run(PERIODS[0])
        self.approve_the_run(PERIODS[0], "hr2")

    @rule(period=periods, index=employee_indexes, value=lead_counts)
    def edit_a_measure(self, period, index, value):
        employee = self.employees[index]
        self._tolerated(lambda: measure_value_upsert(employee=employee, period=period, measure=self.leads, value=D(value)))

    @rule(period=periods, index=employee_indexes, value=lead_counts)
    def import_measures(self, period, index, value):
        item = {"personnel_number": self.employees[index].personnel_number, "period": period, "code": "leads", "value": value}
        self._tolerated(lambda: items_import(kind="measures", company=self.company, items=[item], source="stateful"))

    @rule(period=periods, index=employee_indexes, amount=st.integers(-300, 300).filter(bool))
    def add_an_adjustment(self, period, index, amount):
        employee = self.employees[index]
        self._tolerated(lambda: adjustment_create(employee=employee, period=period, amount=D(amount), reason="one-off"))

    @rule(period=periods)
    def calculate_the_run(self, period):
        run = self._live_run(period)
        hr = self.users["hr"]
        with TestCase.captureOnCommitCallbacks(execute=True):
            if run is None:
                payroll_run_start(company=self.company, period=Period.parse(period), started_by=hr, chunk_size=2)
            else:
                self._tolerated(lambda: payroll_run_recalculate(run=run, requested_by=hr))

    @rule(period=periods, approver=approvers)
    def approve_the_run(self, period, approver):
        run = self._live_run(period)
        if run is None:
            return
        try:
            payroll_run_approve(run=run, approved_by=self.users[approver])
        except DomainError:
            return
        for payout in Payout.objects.filter(run=run):
            self.approved[payout.pk] = (payout.total, payout.trace)
            self.figures[(period, payout.employee_id)] = payout.total

    @rule(period=periods)
    def mark_the_run_paid(self, period):
        run = self._live_run(period)
        if run is not None:
            self._tolerated(lambda: payroll_run_mark_paid(
                run=run, by=self.users["finance"], payment_date=timezone.localdate(), payment_reference="BANK-1"
            ))

    @rule(
        period=periods, index=employee_indexes, value=lead_counts, plan=st.booleans(),
        then=st.sampled_from(["nothing", "calculate", "approve"]),
    )  # fmt: skip
    def record_a_correction(self, period, index, value, plan, then):
        employee = self.employees[index]
        if plan:
            change = ChangeSpec(employee=employee, kind="plan", kpi=Kpi.objects.get(company=None, code="leads"), value=D(value or 1))
        else:
            change = ChangeSpec(employee=employee, kind="measure", measure=self.leads, value=D(value))
        try:
            with transaction.atomic():
                correction = correction_create(
                    company=self.company, period=period, reason="late data", changes=[change], created_by=self.users["hr"]
                )
        except DomainError:
            assert PayrollRun.objects.filter(company=self.company, period=period, status__in=FROZEN).count() == 0
            return
        self.corrections.append(correction.pk)
        if then != "nothing":
            self.calculate_a_correction(len(self.corrections) - 1, "hr")
        if then == "approve":
            self.approve_a_correction(len(self.corrections) - 1, "hr2")

    @rule(pick=st.integers(0, 10), by=approvers)
    def calculate_a_correction(self, pick, by):
        if self.corrections:
            correction = Correction.objects.get(pk=self.corrections[pick % len(self.corrections)])
            with TestCase.captureOnCommitCallbacks(execute=True):
                self._tolerated(lambda: correction_calculate(correction=correction, requested_by=self.users[by]))

    @rule(pick=st.integers(0, 10), approver=approvers)
    def approve_a_correction(self, pick, approver):
        if not self.corrections:
            return
        correction = Correction.objects.get(pk=self.corrections[pick % len(self.corrections)])
        try:
            correction = correction_approve(correction=correction, approved_by=self.users[approver])
        except DomainError:
            return
        for result in correction.results.all():
            key = (correction.period, result.employee_id)
            # It stacked on exactly the period's corrected figure.
            assert result.approved_total == self.figure(key)
            self.deltas[key] += result.delta

    def figure(self, key) -> Decimal:
        """The corrected figure as this machine tracks it: approved payout + approved deltas."""
        return self.figures.get(key, D("0.00")) + self.deltas[key]

    @rule(pick=st.integers(0, 10))
    def cancel_a_correction(self, pick):
        if self.corrections:
            correction = Correction.objects.get(pk=self.corrections[pick % len(self.corrections)])
            self._tolerated(lambda: correction_cancel(correction=correction, by=self.users["hr"]))

    # --- what must hold -----------------------------------------------------------------------------

    @invariant()
    def approved_payouts_never_change(self):
        current = {p.pk: (p.total, p.trace) for p in Payout.objects.filter(pk__in=self.approved)}
        assert current == self.approved

    @invariant()
    def a_closed_periods_figure_is_approved_plus_approved_deltas(self):
        for period in PERIODS:
            if not PayrollRun.objects.filter(company=self.company, period=period, status__in=FROZEN).exists():
                continue
            figures = corrected_figures(company=self.company, period=period)
            for employee in self.employees:
                key = (period, employee.pk)
                if key in self.figures:
                    assert figures[employee.pk] == self.figure(key)

    @invariant()
    def approved_deltas_flowed_forward(self):
        posted: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for adjustment in Adjustment.objects.filter(correction__company=self.company):
            assert adjustment.period > adjustment.source_period
            posted[(adjustment.source_period, adjustment.employee_id)] += adjustment.amount
        assert {k: v for k, v in posted.items() if v} == {k: v for k, v in self.deltas.items() if v}

    @invariant()
    def a_delta_is_the_corrected_less_the_baseline(self):
        for result in Correction.objects.filter(
            company=self.company, status__in=(CorrectionStatus.CALCULATED, CorrectionStatus.APPROVED)
        ).values_list("results__total", "results__baseline_total", "results__delta"):
            total, baseline, delta = result
            if total is not None:
                assert delta == total - baseline


def test_months_stay_consistent_under_random_sequences(eager_celery):
    MonthsMachine.world = build_world()
    run_state_machine_as_test(
        MonthsMachine,
        settings=settings(
            max_examples=16,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
