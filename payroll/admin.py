"""The admin (a superuser's) of payroll runs, their payouts and adjustments; HR and finance
take these steps in the portal and the API.

Runs and payouts are written only by `payroll.services` (start, recalculate, approve, mark
paid, cancel), so here they are read-only and the life-cycle steps are actions that call
those services; a refused step (four-eyes, frozen run…) comes back as a message.
Adjustments are entered and deleted through the services too, which refuse a period whose
payroll is approved or paid.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.periods import PeriodClosedError
from engine import Period
from organizations.admin_base import DomainRulesAdmin, HistoryAdmin
from payroll import services
from payroll.approval import confirmed_calculation, run_approval_summary
from payroll.models import READY, Adjustment, Payout, PayrollRun, RunTransition
from payroll.selectors import payroll_run_warnings

WARNINGS_SHOWN = 100


class MarkPaidForm(forms.Form):
    payment_date = forms.DateField(initial=timezone.localdate, help_text="the day the money was paid")
    payment_reference = forms.CharField(max_length=200, help_text="the bank's or payment system's reference")
    note = forms.CharField(max_length=200, required=False)


class RunTransitionInline(admin.TabularInline):
    model = RunTransition
    fields = readonly_fields = ["at", "from_status", "to_status", "by", "note"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAfterAddMixin:
    """A row written by a service: added through a form, never edited in place."""

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)


@admin.register(PayrollRun)
class PayrollRunAdmin(ReadOnlyAfterAddMixin, DomainRulesAdmin, admin.ModelAdmin):
    list_display = [
        "company",
        "period",
        "status",
        "progress",
        "employees_total",
        "fixed_total",
        "bonus_total",
        "adjustments_total",
        "total",
        "warnings_count",
        "provisional",
        "payment_date",
    ]
    list_filter = ["company", "status", "provisional", "period"]
    list_select_related = ["company"]
    inlines = [RunTransitionInline]
    actions = ["recalculate", "approve", "mark_paid", "cancel"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["company", "period"]
        return [
            "company",
            "period",
            "status",
            "progress",
            "payouts",
            ("fixed_total", "bonus_total", "adjustments_total", "total"),
            "warnings_count",
            "warnings",
            "error",
            "provisional",
            ("started_by", "calculated_by", "approved_by"),
            ("created_at", "calculation_started_at", "calculated_at", "approved_at", "paid_at"),
            ("payment_date", "payment_reference"),
            ("payouts_count", "payouts_digest"),
            "sheet",
            "downloads",
        ]

    def get_readonly_fields(self, request, obj=None):
        return (
            []
            if obj is None
            else [*(field.name for field in PayrollRun._meta.fields), "progress", "payouts", "warnings", "downloads"]
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        """A run ends by being cancelled; its record (and its payouts) stay."""
        return False

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        """Starting a run is `payroll_run_start`: it returns the live run if there is one."""
        run, created = services.payroll_run_start(
            company=obj.company, period=Period.parse(obj.period), started_by=request.user
        )
        if not created:
            self.message_user(
                request, f"a run for {run.company} {run.period} is already under way: {run}", messages.WARNING
            )
        obj.pk = run.pk

    @admin.display(description="progress")
    def progress(self, run: PayrollRun) -> str:
        return f"{run.employees_done} / {run.employees_total} ({run.progress_pct} %)"

    @admin.display(description="payouts")
    def payouts(self, run: PayrollRun) -> str:
        url = reverse("admin:payroll_payout_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">{} payouts</a>', url, run.payouts.count())

    @admin.display(description="downloads")
    def downloads(self, run: PayrollRun) -> str:
        """The payroll sheet (built on the way if missing) and every payslip as a zip."""
        if run.status not in READY:
            return "— (once the run is calculated)"
        return format_html(
            '<a href="{}">payroll sheet (.xlsx)</a> · <a href="{}">all payslips (.zip)</a>',
            reverse("payroll:payroll-sheet", args=[run.pk]),
            reverse("payroll:payslips-zip", args=[run.pk]),
        )

    @admin.display(description="warnings")
    def warnings(self, run: PayrollRun) -> str:
        found = payroll_run_warnings(run)
        listed = format_html_join(
            "",
            "<li>{} {}: {}</li>",
            (
                (w["personnel_number"], w["employee"], w.get("message") or w.get("code", ""))
                for w in found[:WARNINGS_SHOWN]
            ),
        )
        more = format_html("<p>… and {} more</p>", len(found) - WARNINGS_SHOWN) if len(found) > WARNINGS_SHOWN else ""
        return format_html("<ul>{}</ul>{}", listed, more) if found else "—"

    def _step(self, request, queryset, step, done: str) -> None:
        """Apply one life-cycle service to each selected run; refusals become messages."""
        for run in queryset:
            try:
                step(run)
            except services.RunStateError as error:
                self.message_user(request, f"{run}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{run}: {done}", messages.SUCCESS)

    @admin.action(description="Recalculate from current data", permissions=["change"])
    def recalculate(self, request, queryset) -> None:
        self._step(
            request,
            queryset,
            lambda run: services.payroll_run_recalculate(run=run, requested_by=request.user),
            "queued",
        )

    @admin.action(description="Approve (after confirming the summary)", permissions=["change"])
    def approve(self, request, queryset):
        """An intermediate page shows each selected run's summary (people, totals, warnings,
        change against the previous month); confirming approves the calculations shown."""
        if "apply" in request.POST:
            self._step(
                request,
                queryset,
                lambda run: services.payroll_run_approve(
                    run=run,
                    approved_by=request.user,
                    note="approved in the administration",
                    calculation=confirmed_calculation(request.POST.get(f"calculation-{run.pk}")),
                ),
                "approved",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Approve the payroll",
            "summaries": [run_approval_summary(run) for run in queryset],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payroll/approve.html", context)

    @admin.action(description="Mark paid (payment date and reference)", permissions=["change"])
    def mark_paid(self, request, queryset):
        """An intermediate page asks for the payment date and reference, then each selected
        run is marked paid with them (the service checks them and the run's state)."""
        form = MarkPaidForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for run in queryset:
                try:
                    services.payroll_run_mark_paid(run=run, by=request.user, **form.cleaned_data)
                except services.RunStateError as error:
                    self.message_user(request, f"{run}: {error.message}", messages.ERROR)
                except ValidationError as error:
                    self.message_user(request, f"{run}: {'; '.join(error.messages)}", messages.ERROR)
                else:
                    self.message_user(request, f"{run}: marked paid", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Mark paid",
            "runs": list(queryset),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payroll/mark_paid.html", context)

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request, queryset) -> None:
        self._step(request, queryset, lambda run: services.payroll_run_cancel(run=run, by=request.user), "cancelled")


@admin.register(Payout)
class PayoutAdmin(DomainRulesAdmin, admin.ModelAdmin):
    """Payouts with their traces, as calculated; never edited (spec §8)."""

    list_display = ["employee", "run", "fixed", "bonus", "adjustments", "total", "score", "warnings_count"]
    list_filter = ["run__company", "run__period", "run__status"]
    list_select_related = ["employee", "run__company"]
    search_fields = ["employee__personnel_number", "employee__full_name"]
    fields = [
        "run",
        "employee",
        "fixed",
        "bonus",
        "adjustments",
        "total",
        "coefficients",
        "score",
        "warnings",
        "payslip",
        "trace_view",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup == "run__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="warnings")
    def warnings_count(self, payout: Payout) -> int:
        return len(payout.warnings)

    @admin.display(description="payslip")
    def payslip(self, payout: Payout) -> str:
        if payout.run.status not in READY:
            return "—"
        return format_html('<a href="{}">payslip (.xlsx)</a>', reverse("payroll:payslip", args=[payout.pk]))

    @admin.display(description="trace")
    def trace_view(self, payout: Payout) -> str:
        return format_html("<pre>{}</pre>", json.dumps(payout.trace, indent=2, ensure_ascii=False))


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["employee", "period", "amount", "reason"]

    def clean(self):
        cleaned = super().clean()
        employee, period = cleaned.get("employee"), cleaned.get("period")
        if employee and period:
            try:
                services.adjustment_period_ensure_open(employee, period)
            except PeriodClosedError as error:
                raise ValidationError({"period": error.message}, code=error.code) from error
        return cleaned


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAfterAddMixin, HistoryAdmin):
    """One-off amounts; to correct one, delete it and enter another (while the period is open)."""

    form = AdjustmentForm
    list_display = ["employee", "period", "amount", "reason", "created_by", "created_at"]
    list_filter = ["period", "employee__company"]
    list_select_related = ["employee", "created_by"]
    search_fields = ["employee__personnel_number", "employee__full_name", "reason"]
    autocomplete_fields = ["employee"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        adjustment = services.adjustment_create(
            employee=obj.employee, period=obj.period, amount=obj.amount, reason=obj.reason, created_by=request.user
        )
        obj.pk = adjustment.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.correction_id is not None:
            return False  # a correction's posted delta is part of the books
        if obj is not None:
            try:
                services.adjustment_period_ensure_open(obj.employee, obj.period)
            except PeriodClosedError:
                return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        services.adjustment_delete(adjustment=obj)

    def delete_queryset(self, request, queryset) -> None:
        for adjustment in queryset.select_related("employee"):
            try:
                services.adjustment_delete(adjustment=adjustment)
            except PeriodClosedError as error:
                self.message_user(request, f"{adjustment}: not deleted — {error.message}", messages.ERROR)
