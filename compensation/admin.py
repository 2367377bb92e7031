"""The admin (a superuser's) of people's pay, band tables and bonus schemes."""

from collections.abc import Sequence

from django import forms
from django.contrib import admin, messages

from compensation.models import BandPoint, BandTable, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from compensation.services import band_table_problems, band_table_warnings, scheme_factor_problems
from engine import Problem
from organizations.admin_base import EngineRulesFormSet, HistoryAdmin, RowsInline
from organizations.models import Employee


class BandPointFormSet(EngineRulesFormSet):
    """Spec §5: the first bound is 0 and bounds strictly increase, in the order entered."""

    def rule_problems(self, rows: Sequence[forms.ModelForm]) -> list[Problem]:
        return band_table_problems(
            [(form.cleaned_data.get("lower_bound_pct"), form.cleaned_data.get("coefficient")) for form in rows]
        )


class SchemeFactorFormSet(EngineRulesFormSet):
    """Spec §6: a scheme has one or more factors, each at its own position (the rules
    `bonus_scheme_save` enforces)."""

    def rule_problems(self, rows: Sequence[forms.ModelForm]) -> list[Problem]:
        return scheme_factor_problems([form.cleaned_data.get("position") for form in rows])


# --- employees and their pay ------------------------------------------------------------


class SalaryAgreementInline(RowsInline):
    model = SalaryAgreement


class SchemeAssignmentInline(RowsInline):
    model = SchemeAssignment


@admin.register(Employee)
class EmployeeAdmin(HistoryAdmin):
    list_display = ["personnel_number", "full_name", "company", "position", "hire_date", "termination_date"]
    list_filter = ["company", "position"]
    list_select_related = ["company"]
    search_fields = ["personnel_number", "full_name"]
    raw_id_fields = ["user"]
    inlines = [SalaryAgreementInline, SchemeAssignmentInline]


# --- band tables and bonus schemes ------------------------------------------------------


class BandPointInline(RowsInline):
    model = BandPoint
    formset = BandPointFormSet


@admin.register(BandTable)
class BandTableAdmin(HistoryAdmin):
    list_display = ["name", "company", "mode", "bands"]
    list_filter = ["company", "mode"]
    search_fields = ["name"]
    inlines = [BandPointInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company").prefetch_related("points")

    def save_related(self, request, form, formsets, change) -> None:
        """Saved; then what looks wrong in the table is said (it pays, but maybe not as meant)."""
        super().save_related(request, form, formsets, change)
        for warning in band_table_warnings(form.instance):
            self.message_user(request, f"{form.instance.name}: {warning}", messages.WARNING)

    @admin.display(description="bands (from % → coefficient)")
    def bands(self, table: BandTable) -> str:
        return ", ".join(
            f"{point.lower_bound_pct.normalize():f} → {point.coefficient.normalize():f}" for point in table.points.all()
        )


class SchemeFactorInline(RowsInline):
    model = SchemeFactor
    formset = SchemeFactorFormSet


@admin.register(BonusScheme)
class BonusSchemeAdmin(HistoryAdmin):
    list_display = ["name", "company", "base_kind", "base_share", "base_amount", "cap"]
    list_filter = ["company", "base_kind"]
    list_select_related = ["company"]
    search_fields = ["name"]
    inlines = [SchemeFactorInline]
