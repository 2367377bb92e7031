"""The admin (a superuser's) of measures, KPIs, KPI sets, plans and recorded measure values."""

from collections.abc import Callable, Sequence
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from engine import Problem, kpi_set_problems
from kpis import imports
from kpis.models import ImportLog, Kpi, KpiSet, KpiSetItem, Measure, MeasureValue, Plan
from kpis.services import kpi_set_activate, kpi_set_copy_preset
from organizations.admin_base import DomainRulesAdmin, EngineRulesFormSet, HistoryAdmin, RowsInline
from organizations.models import Company

ONE = Decimal(1)


@admin.register(Measure)
class MeasureAdmin(DomainRulesAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "company", "aggregation", "unit"]
    list_filter = ["company", "aggregation", "unit"]
    list_select_related = ["company"]
    search_fields = ["code", "name"]


@admin.register(Kpi)
class KpiAdmin(HistoryAdmin):
    list_display = ["code", "name", "company", "direction", "unit", "measure", "formula"]
    list_filter = ["company", "direction", "unit"]
    list_select_related = ["company", "measure"]
    search_fields = ["code", "name"]


# --- KPI sets ---------------------------------------------------------------------------


class KpiSetItemFormSet(EngineRulesFormSet):
    """Spec §4 over the whole set: weights in (0, 1] summing to exactly 1, each KPI once, and
    the cap of the set being saved (the parent form has already put it on `self.instance`)."""

    def rule_problems(self, rows: Sequence[forms.ModelForm]) -> list[Problem]:
        items = [
            (kpi.code if (kpi := form.cleaned_data.get("kpi")) else None, form.cleaned_data.get("weight"))
            for form in rows
        ]
        return kpi_set_problems(items, self.instance.cap_pct)


class KpiSetItemInline(RowsInline):
    model = KpiSetItem
    formset = KpiSetItemFormSet


def format_weight(value: Decimal) -> str:
    return format(value.normalize(), "f")


class CopyPresetForm(forms.Form):
    company = forms.ModelChoiceField(queryset=Company.objects.all(), help_text="the company that gets the copies")
    activate = forms.BooleanField(
        required=False, help_text="make each copy the active set of its stage (the set active now is deactivated)"
    )


@admin.register(KpiSet)
class KpiSetAdmin(HistoryAdmin):
    list_display = ["name", "owner", "stage", "is_active", "cap_pct", "weights_sum"]
    list_filter = ["company", "stage", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["is_active", "weights_sum"]
    inlines = [KpiSetItemInline]
    actions = ["activate", "copy_preset"]

    class Media:
        js = ["compensation/kpi_set_weights.js"]
        css = {"all": ["compensation/kpi_set_weights.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company").prefetch_related("items")

    @admin.display(description="company", ordering="company__name")
    def owner(self, kpi_set: KpiSet) -> str:
        return str(kpi_set.company) if kpi_set.company_id else "— preset —"

    @admin.display(description="sum of weights (saved)")
    def weights_sum(self, kpi_set: KpiSet) -> str:
        if not kpi_set.pk:
            return "—"
        total = sum((item.weight for item in kpi_set.items.all()), Decimal(0))
        return format_weight(total) if total == ONE else f"{format_weight(total)} (must be 1)"

    @admin.action(description="Activate (the one active set of its company and stage)", permissions=["change"])
    def activate(self, request, queryset) -> None:
        activated = []
        for kpi_set in queryset:
            if kpi_set.company_id is None:
                self.message_user(
                    request,
                    f"{kpi_set}: a preset is not used by any company; copy it into a company first",
                    messages.WARNING,
                )
                continue
            kpi_set_activate(kpi_set=kpi_set)
            activated.append(str(kpi_set))
        if activated:
            self.message_user(request, f"Activated: {', '.join(activated)}", messages.SUCCESS)

    @admin.action(description="Copy preset into company…", permissions=["add"])
    def copy_preset(self, request, queryset):
        presets = [kpi_set for kpi_set in queryset if kpi_set.company_id is None]
        skipped = [str(kpi_set) for kpi_set in queryset if kpi_set.company_id is not None]
        if skipped:
            self.message_user(request, f"Not presets, not copied: {', '.join(skipped)}", messages.WARNING)
        if not presets:
            return None
        form = CopyPresetForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._copy_presets(request, presets, form.cleaned_data["company"], activate=form.cleaned_data["activate"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Copy presets into a company",
            "opts": self.model._meta,
            "form": form,
            "presets": presets,
            "action_name": "copy_preset",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/kpis/kpiset/copy_preset.html", context)

    def _copy_presets(self, request, presets: list[KpiSet], company: Company, *, activate: bool) -> None:
        for preset in presets:
            try:
                with transaction.atomic():
                    # Activate after the copy: a set saved active while another is active
                    # for its stage fails the model's one-active-set constraint check.
                    copy = kpi_set_copy_preset(preset=preset, company=company)
                    if activate:
                        kpi_set_activate(kpi_set=copy)
            except ValidationError as error:
                self.message_user(request, f"{preset.name}: not copied — {'; '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Copied {preset.name!r} into {company}", messages.SUCCESS)


# --- plans and recorded measures --------------------------------------------------------


class ImportForm(forms.Form):
    company = forms.ModelChoiceField(queryset=Company.objects.all(), help_text="the company the file is for")
    file = forms.FileField(
        help_text="an .xlsx or .csv with the columns personnel_number, period, code, value (header in row 1)"
    )


class ImportAdminMixin:
    """An "Import …" page on the changelist (upload an .xlsx or .csv, see every error or
    what was applied) and the templates to fill in; the work is `kpis.imports`."""

    change_list_template = "admin/kpis/import_change_list.html"
    import_kind: str
    import_service: Callable[..., imports.ImportResult]  # `plans_import` or `measures_import`

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{name}_import"),
            path(
                "import/template.<str:file_format>",
                wrap(self.import_template_view),
                name=f"{name}_import_template",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        result = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = self.import_service(
                company=form.cleaned_data["company"],
                file_name=upload.name,
                content=upload.read(imports.MAX_BYTES + 1),  # one byte over is enough to refuse it
                uploaded_by=request.user,
            )
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {ImportLog.Kind(self.import_kind).label.lower()}",
            "opts": opts,
            "form": form,
            "result": result,
            # A hostile file can have an error on each of its 100,000 rows: the page, like the log, shows the first ones.
            "shown_errors": result.errors[: imports.MAX_LOGGED_ERRORS] if result else [],
            "more_errors": max(len(result.errors) - imports.MAX_LOGGED_ERRORS, 0) if result else 0,
            "columns": imports.COLUMNS,
            "max_megabytes": imports.MAX_BYTES // (1024 * 1024),
            "max_rows": imports.MAX_ROWS,
            "template_urls": {
                file_format: reverse(f"admin:{opts.app_label}_{opts.model_name}_import_template", args=[file_format])
                for file_format in ("xlsx", "csv")
            },
            "recent": ImportLog.objects.filter(kind=self.import_kind).select_related("company", "uploaded_by")[:10],
        }
        return TemplateResponse(request, "admin/kpis/import.html", context)

    def import_template_view(self, request, file_format: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if file_format not in ("xlsx", "csv"):
            raise Http404("no such template")
        content, content_type, name = imports.import_template(kind=self.import_kind, file_format=file_format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(Plan)
class PlanAdmin(ImportAdminMixin, HistoryAdmin):
    list_display = ["employee", "period", "kpi", "value"]
    list_filter = ["period", "kpi", "employee__company"]
    list_select_related = ["employee", "kpi"]
    search_fields = ["employee__personnel_number", "employee__full_name"]
    autocomplete_fields = ["employee", "kpi"]
    import_kind = ImportLog.Kind.PLANS
    import_service = staticmethod(imports.plans_import)


@admin.register(MeasureValue)
class MeasureValueAdmin(ImportAdminMixin, HistoryAdmin):
    list_display = ["employee", "period", "measure", "value", "source"]
    list_filter = ["period", "measure", "source", "employee__company"]
    list_select_related = ["employee", "measure"]
    search_fields = ["employee__personnel_number", "employee__full_name"]
    autocomplete_fields = ["employee", "measure"]
    readonly_fields = ["source"]  # events set it; a value typed here is typed by hand
    import_kind = ImportLog.Kind.MEASURES
    import_service = staticmethod(imports.measures_import)


@admin.register(ImportLog)
class ImportLogAdmin(DomainRulesAdmin, admin.ModelAdmin):
    """What each import did; read-only — an import is made from the Plan or measure value
    list's "Import" button."""

    list_display = ["created_at", "company", "kind", "file_name", "status", "uploaded_by", "counts"]
    list_filter = ["company", "kind", "status"]
    list_select_related = ["company", "uploaded_by"]
    search_fields = ["file_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="rows: total / created / updated / unchanged")
    def counts(self, log: ImportLog) -> str:
        return f"{log.rows_total} / {log.rows_created} / {log.rows_updated} / {log.rows_unchanged}"
