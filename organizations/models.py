"""Companies and their people: stages, the working calendar, employees, who works for whom."""

import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords

STAGE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Company(models.Model):
    class Language(models.TextChoices):
        RUSSIAN = "ru", "Русский"
        ENGLISH = "en", "English"
        UZBEK = "uz", "Oʻzbekcha"

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
    history = HistoricalRecords(table_name="compensation_historicalcompany", excluded_fields=["config_version"])

    class Meta:
        db_table = "compensation_company"  # created as compensation's (migration organizations 0001)
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
            message = gettext("“%(code)s” is not a currency code; write three capitals, e.g. RUB")
            raise ValidationError({"currency": message % {"code": self.currency}})


class CompanyMembership(models.Model):
    """Which company a user works for, and as what."""

    class Role(models.TextChoices):
        HR = "hr", "HR"
        FINANCE = "finance", "Finance"
        MARKETER = "marketer", "Marketer"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    is_lead = models.BooleanField(default=False, help_text="HR lead: adds and removes HR and finance colleagues.")

    class Meta:
        db_table = "compensation_companymembership"  # created as compensation's (migration organizations 0001)

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.company}"


class CompanyStage(models.Model):
    """The company's development stage (1 to 5) from a date on."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField(validators=STAGE_VALIDATORS)
    effective_from = models.DateField()
    history = HistoricalRecords(table_name="compensation_historicalcompanystage")

    class Meta:
        db_table = "compensation_companystage"  # created as compensation's (migration organizations 0001)
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
        db_table = "compensation_calendarday"  # created as compensation's (migration organizations 0001)
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
    history = HistoricalRecords(table_name="compensation_historicalemployee")

    class Meta:
        db_table = "compensation_employee"  # created as compensation's (migration organizations 0001)
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
