"""Payroll runs, their payouts, transitions and adjustments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords

from core.domain import PeriodField, money_field
from core.errors import DomainError
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
    # Item 6 of issue 13: a run of a month that has not ended is a preview, never approved.
    provisional = models.BooleanField(
        default=False,
        help_text="the latest calculation was asked for before the month had ended: a preview, not approvable",
    )
    payment_date = models.DateField(null=True, blank=True, help_text="the day the money left (finance, at mark paid)")
    payment_reference = models.CharField(
        max_length=200, blank=True, help_text="the bank's or payment system's reference of the transfer"
    )
    # The checksum of the payouts, written when the calculation is finalized (payroll.books):
    # with the totals above it lets `verify_payroll_books` notice a payout changed behind the services.
    payouts_count = models.PositiveIntegerField(null=True, blank=True)
    payouts_digest = models.CharField(max_length=64, blank=True)
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

    # The application-level rule of closed books (PostgreSQL's triggers hold it in the
    # database too, payroll migration 0006): a payout of an approved or paid run is never
    # saved or deleted one by one. Bulk writes are the calculation's, of runs being calculated.
    def save(self, *args, **kwargs) -> None:
        self._ensure_run_open()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._ensure_run_open()
        return super().delete(*args, **kwargs)

    def _ensure_run_open(self) -> None:
        status = PayrollRun.objects.filter(pk=self.run_id).values_list("status", flat=True).first()
        if status in FROZEN:
            raise DomainError("run_frozen", gettext("the payroll run is %(status)s: its payouts cannot be changed or deleted") % {"status": status})


class Adjustment(models.Model):
    """A one-off signed amount for an employee and period (a correction, a one-off bonus).
    It counts in that period's run; corrections to an approved run go into a later period."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="adjustments")
    period = PeriodField()
    amount = money_field()
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A delta an approved correction posted here: the period it corrects and the correction.
    source_period = PeriodField(blank=True, help_text="the closed period this adjustment corrects")
    correction = models.ForeignKey(
        "Correction", null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments", editable=False
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "period", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="adjustment_not_zero"),
            models.UniqueConstraint(
                fields=["correction", "employee"], condition=models.Q(correction__isnull=False),
                name="one_posted_delta_per_correction_and_employee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.period}: {self.amount} ({self.reason})"


# --- corrections of closed periods -------------------------------------------------------


class CorrectionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CALCULATING = "calculating", "Calculating"
    CALCULATED = "calculated", "Calculated"
    APPROVED = "approved", "Approved"
    CANCELLED = "cancelled", "Cancelled"


#: A correction whose changes may still be edited (a calculated one goes back to draft).
CORRECTION_EDITABLE = (CorrectionStatus.DRAFT, CorrectionStatus.CALCULATED)
#: A correction that is over: it never changes again.
CORRECTION_ENDED = (CorrectionStatus.APPROVED, CorrectionStatus.CANCELLED)


class Correction(models.Model):
    """A correction of one closed company-period (a period with an approved or paid run):
    corrected inputs (`changes`) stored beside the approved rows, never over them; the
    period recomputed with them (`results`); once approved (four-eyes, like a run) each
    employee's delta is posted as an adjustment in the next open period. Corrections of
    one period stack: each starts from the approved inputs and every earlier approved
    correction's changes."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="corrections")
    period = PeriodField()
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.DRAFT)
    chunk_size = models.PositiveIntegerField(default=500)
    # Each calculation gets a new number; chunks of an older one write nothing.
    calculation = models.PositiveIntegerField(default=0)
    # The approved corrections of the period this calculation stacked on (ids): approval
    # is refused once another one has been approved since.
    stacked_on = models.JSONField(default=list, blank=True)
    employees_total = models.PositiveIntegerField(default=0)
    employees_done = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    delta_total = money_field(default=0)
    changed_count = models.PositiveIntegerField(default=0, help_text="employees whose total changes")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="who asked for the latest calculation",
    )
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    four_eyes_at_approval = models.BooleanField(null=True, blank=True)
    posted_to = PeriodField(blank=True, help_text="the open period the deltas were posted to")
    created_at = models.DateTimeField(auto_now_add=True)
    calculation_started_at = models.DateTimeField(null=True, blank=True)
    calculated_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "-created_at", "-id"]
        indexes = [models.Index(fields=["company", "period", "status"])]

    def __str__(self) -> str:
        return f"correction #{self.pk} of {self.company} {self.period} ({self.get_status_display()})"

    @property
    def started_by_id(self) -> int | None:
        """Who began it: the four-eyes rule (`four_eyes_blocks`) reads it as a run's starter."""
        return self.created_by_id

    @property
    def progress_pct(self) -> int:
        return 100 if not self.employees_total else int(self.employees_done * 100 / self.employees_total)


class CorrectionChange(models.Model):
    """One corrected input of a correction's period for one employee. The approved rows it
    stands for are left as they are; a recalculation lays these over them."""

    class Kind(models.TextChoices):
        MEASURE = "measure", "Measure value"
        PLAN = "plan", "Plan"
        SALARY = "salary", "Salary agreement"
        SCHEME = "scheme", "Scheme assignment"
        ADJUSTMENT = "adjustment", "Adjustment of the period"

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="changes")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    measure = models.ForeignKey("kpis.Measure", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kpi = models.ForeignKey("kpis.Kpi", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scheme = models.ForeignKey(
        "compensation.BonusScheme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True,
        help_text="the measure value, plan, monthly salary or adjustment amount",
    )
    effective_from = models.DateField(null=True, blank=True, help_text="a salary agreement's first day")
    note = models.CharField(max_length=300, blank=True, help_text="an adjustment's reason")
    was = models.CharField(max_length=100, blank=True, help_text="the value it corrects, as it was when entered")

    class Meta:
        ordering = ["correction", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.employee_id}: {self.value}"


class CorrectionResult(models.Model):
    """One affected employee's figures in a correction: the period's corrected figure so
    far (`approved_total`: the approved payout + earlier approved corrections' deltas), the
    recomputation without (`baseline_total`) and with this correction's changes, and the
    delta between those two, with the trace lines that changed."""

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="results")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    chunk = models.PositiveIntegerField(default=0)
    approved_total = money_field()
    baseline_total = money_field()
    fixed = money_field()
    bonus = money_field()
    adjustments = money_field()
    total = money_field()
    delta = money_field()
    warnings = models.JSONField(default=list)
    trace = models.JSONField()
    changed_lines = models.JSONField(default=list, help_text="[{line, was, now}, …] against the recomputed approved inputs")

    class Meta:
        ordering = ["correction", "employee__personnel_number"]
        constraints = [models.UniqueConstraint(fields=["correction", "employee"], name="one_result_per_correction_and_employee")]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.delta}"


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


class Scenario(models.Model):
    """A named what-would-it-have-paid over past approved months (issue 14): the draft change
    as HR set it and the totals it came to when saved. Opening it computes it again from the
    inputs as they are then (`payroll.scenarios`); nothing else is stored."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    parameters = models.JSONField(default=dict, help_text="the draft change: schemes, band rows, months")
    totals = models.JSONField(default=dict, help_text="paid, scenario and difference when saved (money as strings)")

    class Meta:
        ordering = ["company", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_scenario_name")]

    def __str__(self) -> str:
        return f"{self.company}: {self.name}"
