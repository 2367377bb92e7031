"""Companies, their people, fixed pay, band tables and bonus schemes."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from compensation.domain import money_field, percent_field, ratio_field
from engine import BASE_FIXED, BASE_SHARE, LINEAR, STEP

STAGE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Company(models.Model):
    class Language(models.TextChoices):
        RUSSIAN = "ru", "Русский"
        ENGLISH = "en", "English"

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    currency = models.CharField(max_length=3, default="RUB", help_text="ISO 4217 code, e.g. RUB, UZS, USD")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.RUSSIAN)
    four_eyes_approval = models.BooleanField(
        default=True, help_text="A payroll run must be approved by someone other than who started it."
    )
    automatic_runs = models.BooleanField(default=False, help_text="Compute last month's payroll on the 1st.")
    config_version = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Replaced, in the same transaction, by every change to what the company's payouts are "
        "computed from; keys the compiled configuration each process keeps (compensation.configuration).",
    )
    # Every change is kept, four-eyes and automatic runs above all (who switched them, when).
    history = HistoricalRecords(excluded_fields=["config_version"])

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # A new version on every save: a stale copy of this row saved later must never bring
        # back a version that processes still hold configuration under.
        self.config_version = uuid.uuid4()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "config_version"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise ValidationError({"currency": f"{self.currency!r} is not a currency code; write three capitals, e.g. RUB"})


class CompanyMembership(models.Model):
    """Which company a user works for, and as what."""

    class Role(models.TextChoices):
        HR = "hr", "HR"
        FINANCE = "finance", "Finance"
        MARKETER = "marketer", "Marketer"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.company}"


class CompanyStage(models.Model):
    """The company's development stage (1 to 5) from a date on."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField(validators=STAGE_VALIDATORS)
    effective_from = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["company", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["company", "effective_from"], name="one_stage_per_company_and_date"),
            models.CheckConstraint(condition=models.Q(stage__gte=1, stage__lte=5), name="stage_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return f"stage {self.stage} from {self.effective_from}"


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday or a transferred working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Holiday"
        WORKING_DAY = "working_day", "Transferred working day"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="calendar_days")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["company", "date"]
        constraints = [models.UniqueConstraint(fields=["company", "date"], name="one_calendar_entry_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Employee(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="employees")
    personnel_number = models.CharField(max_length=50)
    full_name = models.CharField(max_length=200)
    position = models.CharField(max_length=200, blank=True)
    hire_date = models.DateField()
    termination_date = models.DateField(null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["company", "personnel_number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "personnel_number"], name="unique_personnel_number"),
            models.CheckConstraint(
                condition=models.Q(termination_date__isnull=True) | models.Q(termination_date__gte=models.F("hire_date")),
                name="terminated_after_hired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.personnel_number} {self.full_name}"

    def clean(self) -> None:
        if self.termination_date and self.hire_date and self.termination_date < self.hire_date:
            raise ValidationError(
                {"termination_date": f"the termination date {self.termination_date} is before the hire date {self.hire_date}"}
            )

    def validate_constraints(self, exclude=None) -> None:
        """A clash of (company, personnel number) is the number's: the company is implied
        wherever a person is entered, so the error names `personnel_number`."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            clash = [e for e in general if getattr(e, "code", None) == "unique_together"]
            if clash:
                errors.setdefault("personnel_number", []).append(
                    ValidationError(
                        f"the personnel number {self.personnel_number} is already used in this company",
                        code="personnel_number_taken",
                    )
                )
            if rest := [e for e in general if e not in clash]:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from error


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
