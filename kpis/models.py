"""Measures, KPIs, KPI sets, plans and recorded measure values.

Measures and KPIs with no company form the shared catalogue (spec §2); a company may add
its own. KPI sets with no company are the presets of spec §4, copied into a company to use.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords

from core.domain import PeriodField, percent_field, raise_problems, ratio_field
from engine import HIGHER_IS_BETTER, LAST, LOWER_IS_BETTER, SUM
from engine.kpisets import DEFAULT_CAP_PCT
from engine.rules import kpi_definition_problems, measure_value_problems, plan_value_problems
from organizations.models import Company, Employee


class Unit(models.TextChoices):
    COUNT = "count", "Count"
    MONEY = "money", "Money"
    PERCENT = "percent", "Percent"
    RATIO = "ratio", "Ratio"


def _catalogue_constraints(prefix: str) -> list[models.UniqueConstraint]:
    return [
        models.UniqueConstraint(fields=["company", "code"], name=f"unique_{prefix}_code_per_company"),
        models.UniqueConstraint(
            fields=["code"], condition=models.Q(company__isnull=True), name=f"unique_{prefix}_code_in_catalogue"
        ),
    ]


class Measure(models.Model):
    """A raw number recorded per employee and period."""

    class Aggregation(models.TextChoices):
        SUM = SUM, "Sum (adds up over days)"
        LAST = LAST, "Last (a level at the end)"

    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="measures", help_text="empty: catalogue"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    aggregation = models.CharField(max_length=4, choices=Aggregation.choices, default=Aggregation.SUM)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)

    class Meta:
        ordering = ["code"]
        constraints = _catalogue_constraints("measure")

    def __str__(self) -> str:
        return self.code


class Kpi(models.Model):
    """A metric with a direction: one measure, or a formula over measures."""

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = HIGHER_IS_BETTER, "Higher is better"
        LOWER_IS_BETTER = LOWER_IS_BETTER, "Lower is better"

    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="kpis", help_text="empty: catalogue"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="either a measure…"
    )
    formula = models.CharField(max_length=500, blank=True, help_text="…or a formula over measure codes")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = "KPI"
        constraints = _catalogue_constraints("kpi")

    def __str__(self) -> str:
        return self.code

    @property
    def expression(self) -> str:
        """The formula the engine evaluates: the measure's code or the formula."""
        return self.measure.code if self.measure_id else self.formula

    def clean(self) -> None:
        from kpis.selectors import catalogue_and_own

        known = set(catalogue_and_own(Measure, company=self.company_id).values_list("code", flat=True))
        raise_problems(kpi_definition_problems(self.measure_id is not None, self.formula or "", known))
        if self.measure_id and self.measure.company_id not in (None, self.company_id):
            raise ValidationError({"measure": "the measure belongs to another company"})


class KpiSet(models.Model):
    """A weighted list of KPIs for one development stage (spec §4). One set is active per
    company and stage; sets with no company are presets."""

    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="kpi_sets", help_text="empty: preset"
    )
    stage = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=False)
    cap_pct = percent_field(default=DEFAULT_CAP_PCT, help_text="per-KPI cap in %, at least 100")
    history = HistoricalRecords()

    class Meta:
        ordering = ["company", "stage", "name"]
        verbose_name = "KPI set"
        constraints = [
            models.UniqueConstraint(
                fields=["company", "stage"], condition=models.Q(is_active=True), name="one_active_kpi_set_per_stage"
            ),
            models.UniqueConstraint(fields=["company", "stage", "name"], name="unique_kpi_set_name"),
            models.CheckConstraint(condition=models.Q(cap_pct__gte=100), name="kpi_set_cap_at_least_100"),
        ]

    def __str__(self) -> str:
        owner = "preset" if self.company_id is None else "stage"
        return f"{self.name} ({owner} {self.stage})"


class KpiSetItem(models.Model):
    kpi_set = models.ForeignKey(KpiSet, on_delete=models.CASCADE, related_name="items")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="+")
    weight = ratio_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi_set", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_set", "kpi"], name="kpi_once_per_set"),
            models.CheckConstraint(condition=models.Q(weight__gt=0, weight__lte=1), name="weight_in_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} × {self.weight}"


class Plan(models.Model):
    """The target value of one KPI for one employee and period; always > 0."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="plans")
    period = PeriodField()
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "period", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "period", "kpi"], name="one_plan_per_kpi_and_period"),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="plan_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period}: {self.value}"

    def clean(self) -> None:
        raise_problems(plan_value_problems(self.value))


class MeasureValue(models.Model):
    """A recorded measure for one employee and period (a running total for `sum` measures,
    the level at the end for `last` ones). One fed by events (`source` "events", written
    only by `events.services`) refuses a write by hand, and the other way round."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        EVENTS = "events", "Fed by events"

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="measure_values")
    period = PeriodField()
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    source = models.CharField(
        max_length=6, choices=Source.choices, default=Source.MANUAL, help_text="events: computed from events, not typed"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "period", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "period", "measure"], name="one_value_per_measure_and_period")
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.period}: {self.value}"

    def clean(self) -> None:
        if self.measure_id:
            raise_problems(measure_value_problems(self.measure.unit, self.value))
        if self.source == self.Source.EVENTS:  # a write by hand (admin, API, upsert): events own it
            raise ValidationError({"value": fed_by_events_message(self.employee, self.measure, self.period)})


def fed_by_events_message(employee: Employee, measure: Measure, period: str) -> str:
    """The refusal of a write by hand over a value computed from events."""
    return gettext("%(measure)s of %(number)s for %(period)s is fed by events: change the events or their attribution, not the value") % {
        "measure": measure.name, "number": employee.personnel_number, "period": period,
    }


class ImportLog(models.Model):
    """One upload of plans or measure values (`kpis.imports`): what came in, from whom, and
    what it did — applied with its counts, or rejected with every error found."""

    class Kind(models.TextChoices):
        PLANS = "plans", "Plans"
        MEASURES = "measures", "Measure values"

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="import_logs")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    rows_total = models.PositiveIntegerField(default=0, help_text="data rows in the file (blank rows not counted)")
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, code, message}, …]")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name} ({self.get_status_display().lower()})"
