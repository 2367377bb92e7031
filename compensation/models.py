"""Fixed pay, band tables and bonus schemes, and who is paid by which."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.domain import money_field, percent_field, ratio_field
from engine import BASE_FIXED, BASE_SHARE, LINEAR, STEP
from organizations.models import Company, Employee


class SalaryAgreement(models.Model):
    """A monthly fixed salary from a date on; the latest one started governs a day."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="salary_agreements")
    effective_from = models.DateField()
    monthly_amount = money_field(validators=[MinValueValidator(Decimal(0))])
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "effective_from"], name="one_salary_per_employee_and_date"),
            models.CheckConstraint(condition=models.Q(monthly_amount__gte=0), name="salary_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.monthly_amount} from {self.effective_from}"


class BandTable(models.Model):
    """Thresholds of a percentage that give a coefficient (spec §5); rows are `BandPoint`s."""

    class Mode(models.TextChoices):
        STEP = STEP, "Step"
        LINEAR = LINEAR, "Linear"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="band_tables")
    name = models.CharField(max_length=200)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.STEP)
    history = HistoricalRecords()

    class Meta:
        ordering = ["company", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_band_table_name")]

    def __str__(self) -> str:
        return self.name


class BandPoint(models.Model):
    table = models.ForeignKey(BandTable, on_delete=models.CASCADE, related_name="points")
    lower_bound_pct = percent_field(help_text="From this fulfillment % on (the first row is 0)")
    coefficient = ratio_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["table", "lower_bound_pct"]
        constraints = [
            models.UniqueConstraint(fields=["table", "lower_bound_pct"], name="unique_band_bound"),
            models.CheckConstraint(condition=models.Q(coefficient__gte=0), name="coefficient_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.lower_bound_pct} % → {self.coefficient}"


class BonusScheme(models.Model):
    """A bonus base, one or more factors and an optional cap (spec §6)."""

    class BaseKind(models.TextChoices):
        SHARE = BASE_SHARE, "Share of fixed pay"
        FIXED_AMOUNT = BASE_FIXED, "Fixed amount"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="bonus_schemes")
    name = models.CharField(max_length=200)
    base_kind = models.CharField(max_length=12, choices=BaseKind.choices, default=BaseKind.SHARE)
    base_share = ratio_field(default=Decimal(1), validators=[MinValueValidator(Decimal(0))])
    base_amount = money_field(null=True, blank=True, validators=[MinValueValidator(Decimal(0))])
    cap = ratio_field(null=True, blank=True, validators=[MinValueValidator(Decimal(0))], help_text="bonus ≤ cap × base")
    history = HistoricalRecords()

    class Meta:
        ordering = ["company", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_scheme_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.base_kind == self.BaseKind.FIXED_AMOUNT and self.base_amount is None:
            raise ValidationError({"base_amount": "a fixed-amount base needs the amount"})


class SchemeFactor(models.Model):
    """One coefficient: an input (a KPI, a KPI set, or the set active for the company's
    stage) read through a band table."""

    class Input(models.TextChoices):
        KPI = "kpi", "One KPI's fulfillment"
        KPI_SET = "kpi_set", "A KPI set's score"
        STAGE_KPI_SET = "stage_kpi_set", "The KPI set active for the company's stage"

    scheme = models.ForeignKey(BonusScheme, on_delete=models.CASCADE, related_name="factors")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=50, help_text="e.g. k1")
    input_kind = models.CharField(max_length=14, choices=Input.choices, default=Input.KPI)
    kpi = models.ForeignKey("kpis.Kpi", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kpi_set = models.ForeignKey("kpis.KpiSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    band_table = models.ForeignKey(BandTable, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.input_kind == self.Input.KPI and self.kpi_id is None:
            errors["kpi"] = "choose the KPI whose fulfillment this factor reads"
        if self.input_kind == self.Input.KPI_SET and self.kpi_set_id is None:
            errors["kpi_set"] = "choose the KPI set whose score this factor reads"
        if self.input_kind != self.Input.KPI and self.kpi_id is not None:
            errors["kpi"] = "only a factor on one KPI names a KPI"
        if self.input_kind != self.Input.KPI_SET and self.kpi_set_id is not None:
            errors["kpi_set"] = "only a factor on a KPI set names a KPI set"
        has_scheme = self.scheme_id is not None or SchemeFactor.scheme.field.is_cached(self)
        company_id = self.scheme.company_id if has_scheme else None
        if company_id and self.band_table_id and self.band_table.company_id != company_id:
            errors["band_table"] = "the band table belongs to another company"
        if company_id and self.kpi_set_id and self.kpi_set.company_id not in (None, company_id):
            errors["kpi_set"] = "the KPI set belongs to another company"
        if company_id and self.kpi_id and self.kpi.company_id not in (None, company_id):
            errors["kpi"] = "the KPI belongs to another company"
        if errors:
            raise ValidationError(errors)


class SchemeAssignment(models.Model):
    """An employee is paid under a scheme from a date on."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="scheme_assignments")
    scheme = models.ForeignKey(BonusScheme, on_delete=models.PROTECT, related_name="assignments")
    effective_from = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "effective_from"], name="one_scheme_per_employee_and_date")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} from {self.effective_from}"

    def clean(self) -> None:
        if self.employee_id and self.scheme_id and self.employee.company_id != self.scheme.company_id:
            raise ValidationError({"scheme": "the scheme belongs to another company"})
