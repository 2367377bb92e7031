"""Payroll runs, their payouts, transitions and adjustments."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.domain import PeriodField, money_field
from organizations.models import Company, Employee


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CALCULATING = "calculating", "Calculating"
    CALCULATED = "calculated", "Calculated"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: A run being calculated: its payouts are not all written yet.
LIVE = (RunStatus.QUEUED, RunStatus.CALCULATING)
#: A run in one of these states no longer blocks a new run for its company and period.
ENDED_WITHOUT_RESULT = (RunStatus.FAILED, RunStatus.CANCELLED)
#: Once approved, a run and its payouts never change.
FROZEN = (RunStatus.APPROVED, RunStatus.PAID)
#: A run whose payouts are all written: its sheet and payslips can be made.
READY = (RunStatus.CALCULATED, RunStatus.APPROVED, RunStatus.PAID)
#: An employee sees their payouts and payslips once the run is approved: before that they may still change.
RELEASED = FROZEN


class PayrollRun(models.Model):
    """One company's payroll for one period. Its payouts carry the amounts and traces."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="payroll_runs")
    period = PeriodField()
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    chunk_size = models.PositiveIntegerField(default=500)
    # Each (re)calculation gets a new number; chunks of an older one write nothing.
    calculation = models.PositiveIntegerField(default=0)
    employees_total = models.PositiveIntegerField(default=0)
    employees_done = models.PositiveIntegerField(default=0)
    employees_gone = models.PositiveIntegerField(
        default=0, help_text="employees of the calculation deleted before their payout was written"
    )
    chunks_total = models.PositiveIntegerField(default=0)
    fixed_total = money_field(default=0)
    bonus_total = money_field(default=0)
    adjustments_total = money_field(default=0)
    total = money_field(default=0)
    warnings_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="who asked for the latest calculation",
    )
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    four_eyes_at_approval = models.BooleanField(
        null=True, blank=True, help_text="whether the four-eyes rule was in force when the run was approved"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    calculation_started_at = models.DateTimeField(null=True, blank=True)
    calculated_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(
        null=True, blank=True, help_text="the last sign of progress: calculation queued, split, a chunk written or resumed"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    sheet = models.FileField(upload_to="payroll-sheets/", blank=True)

    class Meta:
        ordering = ["-period", "company"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period"],
                condition=~models.Q(status__in=ENDED_WITHOUT_RESULT),
                name="one_live_run_per_company_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.period} ({self.get_status_display()})"

    @property
    def progress_pct(self) -> int:
        return 100 if not self.employees_total else int(self.employees_done * 100 / self.employees_total)


class RunTransition(models.Model):
    """Who moved a run from one status to another, and when."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=RunStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=RunStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["run", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class Payout(models.Model):
    """One employee's pay in a run, with the trace of how it was reached (spec §8)."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="payouts")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="payouts")
    chunk = models.PositiveIntegerField()
    fixed = money_field()
    bonus = money_field()
    adjustments = money_field(default=0)
    total = money_field()
    coefficients = models.JSONField(default=list)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    warnings = models.JSONField(default=list)
    trace = models.JSONField()
    calculated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "employee__personnel_number"]
        constraints = [models.UniqueConstraint(fields=["run", "employee"], name="one_payout_per_employee_and_run")]
        indexes = [
            models.Index(fields=["run", "chunk"]),
            # the run page's review (issue 13): the bonus histogram reads the index alone, and
            # the warnings (grouped, or a filter) only the few payouts that have any
            models.Index(fields=["run", "bonus"], name="payout_run_bonus"),
            models.Index(fields=["run"], condition=~models.Q(warnings=[]), name="payout_run_warned"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.run.period}: {self.total}"


class Adjustment(models.Model):
    """A one-off signed amount for an employee and period (a correction, a one-off bonus).
    It counts in that period's run; corrections to an approved run go into a later period."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="adjustments")
    period = PeriodField()
    amount = money_field()
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "period", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="adjustment_not_zero")]

    def __str__(self) -> str:
        return f"{self.employee} {self.period}: {self.amount} ({self.reason})"


class PreviousPayout(models.Model):
    """What one employee's payout was in the run's previous calculation: kept when a
    recalculation replaces the payouts, so the run page can say what changed (issue 13, §5).
    Only the calculation just replaced is kept; the next recalculation replaces these rows."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="previous_payouts")
    calculated_at = models.DateTimeField(help_text="when the calculation these figures came from was finished")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    fixed = money_field()
    bonus = money_field()
    adjustments = money_field(default=0)
    total = money_field()
    inputs = models.JSONField(default=dict, help_text="the parts of its trace that name the inputs the calculation used")

    class Meta:
        ordering = ["run", "employee"]
        constraints = [models.UniqueConstraint(fields=["run", "employee"], name="one_previous_payout_per_employee_and_run")]

    def __str__(self) -> str:
        return f"{self.employee} {self.run.period} (calculated {self.calculated_at:%Y-%m-%d %H:%M}): {self.total}"
