"""HR's plan builder (issue 14, item 1): the company's band tables and bonus schemes, each
edited on one page over the domain services (`band_table_save`, `bonus_scheme_save`), with
the charts of what they pay (`portal.band_charts`).

The forms are plain POSTs of numbered rows (`row-3-lower`, `factor-2-band_table`,
`table-7-row-0-coefficient` for a table edited in place on the scheme page): a row left blank
is not sent to the service, a ticked "remove" drops it, "Add a row" / "Add a factor" come back
with one more (portal/builder.js adds it in place). Every refusal re-renders the page with
what was typed, each message on the row it names; "Preview" shows what was understood, the
charts and the warnings without saving."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

import engine
from compensation.models import BandPoint, BandTable, BonusScheme, SalaryAgreement, SchemeFactor
from compensation.services import (
    band_rows_warnings,
    band_table_save,
    band_table_validate,
    band_table_warnings,
    bonus_scheme_save,
    bonus_scheme_validate,
)
from core.numbers import NumberError, parse_decimal
from core.periods import PeriodClosedError
from kpis.models import Kpi, KpiSet
from kpis.selectors import catalogue_and_own
from organizations import access
from portal.band_charts import band_chart, bonus_heatmap
from portal.builder_presets import BAND_PRESETS, SCHEME_PRESETS
from portal.formatting import format_number
from portal.history import history_context
from portal.labels import catalogue_name
from portal.views import _company, role_required

MODES = {
    BandTable.Mode.STEP: gettext_lazy("Step: each band pays its coefficient"),
    BandTable.Mode.LINEAR: gettext_lazy("Linear: interpolated between the rows"),
}
BASE_KINDS = {
    BonusScheme.BaseKind.SHARE: gettext_lazy("A share of the fixed pay"),
    BonusScheme.BaseKind.FIXED_AMOUNT: gettext_lazy("A fixed amount"),
}
STAGE_INPUT = "stage_kpi_set"
BLANK_BAND_ROWS = 3  # rows to type into without the script
BLANK_FACTOR_ROWS = 1
DEFAULT_CHART_PAY = Decimal(100000)

_FACTOR_KEY = re.compile(r"^factor-(\d{1,4})-(name|position|input|band_table)$")
_ROW_ERROR = re.compile(r"^(?:points|factors)\[(\d+)\]\.(\w+)$")


def _field(model, name: str):
    return model._meta.get_field(name)


def _number(text: str, model_field) -> Decimal:
    return parse_decimal(text, max_digits=model_field.max_digits, decimal_places=model_field.decimal_places)


def _plain(value: Decimal | None) -> str:
    """A number as the page writes it back into a field: as many places as it has, the
    language's decimal point, no grouping (`0,5` in Russian, `0.5` in English)."""
    if value is None:
        return ""
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(value, places, grouping=False)


def _understood(text: str, value: Decimal | None) -> str:
    """What was read from `text`, when the page would not write it so (`0.5` typed on the
    Russian page reads `0,5`; `0,5` on the English one `0.5`)."""
    if value is None or not text.strip():
        return ""
    written = _plain(value)
    return written if text.strip() != written else ""


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _problems(error: ValidationError) -> tuple[dict[tuple[int, str], list[str]], dict[str, list[str]]]:
    """A service's errors split into those of a row (by 0-based row and field) and those of
    the whole form (by field; `__all__` for the whole)."""
    rows: dict[tuple[int, str], list[str]] = {}
    other: dict[str, list[str]] = {}
    for key, problems in error.message_dict.items():
        match = _ROW_ERROR.match(key)
        if match:
            rows.setdefault((int(match.group(1)), match.group(2)), []).extend(problems)
        else:
            other.setdefault(key, []).extend(problems)
    return rows, other


def _lines(problems: dict[str, list[str]]) -> list[str]:
    return [problem if key == "__all__" else f"{key}: {problem}" for key, items in problems.items() for problem in items]


# --- the list --------------------------------------------------------------------------


@require_GET
@role_required(access.HR)
def schemes(request):
    """The company's bonus schemes and band tables, with what each pays in a line."""
    company = _company(request)
    tables = list(BandTable.objects.filter(company=company).prefetch_related("points").order_by("name"))
    warned = {table.pk: band_table_warnings(table) for table in tables}
    scheme_list = (
        BonusScheme.objects.filter(company=company)
        .prefetch_related("factors__kpi", "factors__kpi_set", "factors__band_table")
        .order_by("name")
    )
    return render(
        request,
        "portal/hr/schemes.html",
        {
            "company": company,
            "schemes": [{"scheme": s, "factors": [_factor_summary(f) for f in s.factors.all()]} for s in scheme_list],
            "tables": [{"table": t, "mode": MODES.get(t.mode, t.mode), "warnings": warned[t.pk]} for t in tables],
        },
    )


def _factor_summary(factor: SchemeFactor) -> dict:
    if factor.input_kind == SchemeFactor.Input.KPI and factor.kpi:
        source = catalogue_name(factor.kpi.name)
    elif factor.input_kind == SchemeFactor.Input.KPI_SET and factor.kpi_set:
        source = factor.kpi_set.name
    else:
        source = _("the KPI set active for the stage")
    return {"name": factor.name, "source": source, "table": factor.band_table.name}


# --- band tables -----------------------------------------------------------------------


@dataclass
class BandRow:
    lower: str = ""
    coefficient: str = ""
    lower_value: Decimal | None = None
    coefficient_value: Decimal | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    blank: bool = False
    autofocus: bool = False

    @property
    def lower_understood(self) -> str:
        return _understood(self.lower, self.lower_value)

    @property
    def coefficient_understood(self) -> str:
        return _understood(self.coefficient, self.coefficient_value)


def _posted_band_rows(post, prefix: str = "row", remove: str = "remove") -> list[BandRow]:
    """The typed rows in the order shown (`<prefix>-<i>-lower`, `-coefficient`), without
    blank or removed ones, each parsed."""
    key = re.compile(rf"^{re.escape(prefix)}-(\d{{1,4}})-(lower|coefficient)$")
    indices = sorted({int(m.group(1)) for name in post if (m := key.match(name))})
    removed = set(post.getlist(remove))
    rows: list[BandRow] = []
    for index in indices:
        lower = post.get(f"{prefix}-{index}-lower", "").strip()
        coefficient = post.get(f"{prefix}-{index}-coefficient", "").strip()
        if str(index) in removed or not (lower or coefficient):
            continue
        row = BandRow(lower=lower, coefficient=coefficient)
        for name, text, model_field in (
            ("lower_bound_pct", lower, _field(BandPoint, "lower_bound_pct")),
            ("coefficient", coefficient, _field(BandPoint, "coefficient")),
        ):
            if not text:
                continue  # the domain names a missing value
            try:
                value = _number(text, model_field)
            except NumberError as error:
                label = _("row %(number)s") % {"number": len(rows) + 1}  # as the domain names rows
                row.errors.setdefault(name, []).append(f"{label}: {error.message}")
                continue
            setattr(row, "lower_value" if name == "lower_bound_pct" else "coefficient_value", value)
        rows.append(row)
    return rows


def _points(rows: list[BandRow]) -> list[tuple[Decimal | None, Decimal | None]]:
    return [(row.lower_value, row.coefficient_value) for row in rows]


def _attach(rows: list[BandRow], by_row: dict[tuple[int, str], list[str]]) -> None:
    """A service's row errors onto the rows they name."""
    for (index, name), problems in by_row.items():
        if index < len(rows):
            rows[index].errors.setdefault(name, []).extend(problems)


def _band_context(request, table: BandTable, rows: list[BandRow], *, mode: str, errors: list[str], warnings, preview: bool):
    points = _points(rows)
    valid = not errors and all(lower is not None and c is not None and not row.errors for row, (lower, c) in zip(rows, points, strict=True))
    chart = band_chart(points, mode) if valid and rows else None  # type: ignore[arg-type]
    shown = [*rows, *(BandRow(blank=True) for _ in range(BLANK_BAND_ROWS))]
    return {
        "company": table.company,
        "table": table,
        "name": table.name,
        "mode": mode,
        "modes": list(MODES.items()),
        "rows": shown,
        "chart": chart,
        "errors": errors,
        "warnings": warnings,
        "preview": preview,
        "next": _safe_next(request) or "",
        "presets": [] if table.pk else [(key, preset.name) for key, preset in BAND_PRESETS.items()],
        **(
            history_context(
                [BandTable.history.filter(id=table.pk), BandPoint.history.filter(table_id=table.pk)],
                currency=table.company.currency,
            )
            if table.pk
            else {}
        ),
    }


def _band_rows_of(table: BandTable) -> list[BandRow]:
    return [
        BandRow(_plain(p.lower_bound_pct), _plain(p.coefficient), p.lower_bound_pct, p.coefficient)
        for p in table.points.all()
    ]


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def band_table_create(request):
    return _band_table_page(request, BandTable(company=_company(request), mode=BandTable.Mode.STEP))


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def band_table(request, pk: int):
    return _band_table_page(request, get_object_or_404(BandTable, pk=pk, company=_company(request)))


def _band_preset_rows(request, table: BandTable) -> list[BandRow]:
    """A new table from one of the seeds' (`?preset=seed`): its name, mode and rows filled in."""
    preset = BAND_PRESETS.get(request.GET.get("preset", ""))
    if preset is None:
        return []
    table.name, table.mode = str(preset.name), preset.mode
    return [BandRow(_plain(lower), _plain(c), lower, c) for lower, c in preset.decimals]


def _band_table_page(request, table: BandTable):
    """A band table's name, mode and rows; its curve and warnings. POST: preview, add a row, or save."""
    if request.method != "POST":
        rows = _band_rows_of(table) if table.pk else _band_preset_rows(request, table)
        warnings = band_table_warnings(table) if table.pk else []
        return render(request, "portal/hr/band_table.html", _band_context(request, table, rows, mode=table.mode, errors=[], warnings=warnings, preview=False))
    action = request.POST.get("action", "save")
    table.name = request.POST.get("name", "").strip()
    mode = request.POST.get("mode", "")
    table.mode = mode
    rows = _posted_band_rows(request.POST)
    errors: list[str] = []
    if action == "add":
        context = _band_context(request, table, rows, mode=mode, errors=[], warnings=[], preview=False)
        added = BandRow(blank=True, autofocus=True)  # where the keyboard goes on
        context["rows"] = [*rows, added, *(BandRow(blank=True) for _ in range(BLANK_BAND_ROWS))]
        return render(request, "portal/hr/band_table.html", context)
    points = _points(rows)
    if not any(row.errors for row in rows):
        try:
            if action == "preview":
                band_table_validate(points=points)
                table.full_clean()
            else:
                table = band_table_save(table=table, points=points)  # type: ignore[arg-type]
        except ValidationError as error:
            by_row, other = _problems(error)
            errors = _lines(other)
            _attach(rows, by_row)
        except PeriodClosedError as error:
            errors = [error.message]
        else:
            if action != "preview":
                understood = ", ".join(f"{_plain(lower)} % → {_plain(c)}" for lower, c in points)
                messages.success(request, _("%(name)s is saved: %(bands)s.") % {"name": table.name, "bands": understood})
                for warning in band_table_warnings(table):
                    messages.warning(request, f"{table.name}: {warning}")
                target = _safe_next(request)
                return redirect(target) if target else redirect("portal:band_table", pk=table.pk)
    failed = bool(errors) or any(row.errors for row in rows)
    if failed:
        errors = [*errors, *(f"{problem}" for row in rows for problems in row.errors.values() for problem in problems)]
    warnings = [] if failed else band_rows_warnings(points=points)  # type: ignore[arg-type]
    context = _band_context(request, table, rows, mode=mode, errors=errors, warnings=warnings, preview=not failed)
    return render(request, "portal/hr/band_table.html", context, status=400 if failed else 200)


# --- schemes ---------------------------------------------------------------------------


@dataclass
class TableEdit:
    """A band table edited in place on the scheme page (`table-<pk>-…` fields): its mode and
    rows as typed; saved with the scheme when they differ from the stored ones."""

    table: BandTable
    mode: str
    rows: list[BandRow]
    errors: list[str] = field(default_factory=list)
    open: bool = False  # shown unfolded: it was changed or refused

    @property
    def prefix(self) -> str:
        return f"table-{self.table.pk}-row"

    @property
    def remove_name(self) -> str:
        return f"table-{self.table.pk}-remove"

    @property
    def shown_rows(self) -> list[BandRow]:
        return [*self.rows, *(BandRow(blank=True) for _ in range(2))]

    @property
    def changed(self) -> bool:
        stored = [(p.lower_bound_pct, p.coefficient) for p in self.table.points.all()]
        return self.mode != self.table.mode or _points(self.rows) != stored

    @property
    def valid(self) -> bool:
        return not self.errors and not any(row.errors for row in self.rows)

    def points(self) -> list[tuple[Decimal, Decimal]]:
        """What the factor's table pays: as typed when it is a valid edit, else as stored."""
        if self.valid and self.rows:
            return _points(self.rows)  # type: ignore[return-value]
        return [(p.lower_bound_pct, p.coefficient) for p in self.table.points.all()]

    @classmethod
    def stored(cls, table: BandTable) -> TableEdit:
        return cls(table, table.mode, _band_rows_of(table))

    @classmethod
    def posted(cls, table: BandTable, post) -> TableEdit:
        edit = cls(table, post.get(f"table-{table.pk}-mode", table.mode), [])
        edit.rows = _posted_band_rows(post, edit.prefix, edit.remove_name)
        return edit

    def validate(self) -> None:
        """The domain's rules of a table (`band_table_validate`), onto the rows they name."""
        if not self.valid:
            return
        try:
            band_table_validate(points=_points(self.rows))
            BandTable(company=self.table.company, name=self.table.name, mode=self.mode).clean_fields(exclude=["company", "name"])
        except ValidationError as error:
            by_row, other = _problems(error)
            _attach(self.rows, by_row)
            self.errors = _lines(other)

    def problems(self) -> list[str]:
        rows = [problem for row in self.rows for problems in row.errors.values() for problem in problems]
        return [f"{self.table.name}: {problem}" for problem in [*self.errors, *rows]]


@dataclass
class FactorRow:
    name: str = ""
    position: str = ""
    input: str = ""  # "kpi:<id>", "kpi_set:<id>", "stage_kpi_set" or ""
    band_table: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    blank: bool = False
    chart: object = None
    table: BandTable | None = None
    edit: TableEdit | None = None  # the table's editor, on the first factor that uses it
    shared_with: int | None = None  # else the number of the factor whose editor it is
    warnings: list[str] = field(default_factory=list)
    autofocus: bool = False

    @property
    def input_errors(self) -> list[str]:
        return [problem for key in ("input", "input_kind", "kpi", "kpi_set") for problem in self.errors.get(key, [])]

    @property
    def all_errors(self) -> list[str]:
        return [problem for problems in self.errors.values() for problem in problems]


@dataclass
class SchemeChoices:
    """What a factor may read and through which table: the company's own rows and the
    catalogue's KPIs (a company's KPI of the same code is the one listed)."""

    kpis: list[tuple[str, str]]
    kpi_sets: list[tuple[str, str]]
    tables: dict[str, BandTable]
    kpi_rows: dict[str, Kpi]
    set_rows: dict[str, KpiSet]

    @classmethod
    def of(cls, company) -> SchemeChoices:
        by_code: dict[str, Kpi] = {}
        for kpi in catalogue_and_own(Kpi, company=company):
            by_code[kpi.code] = kpi  # the company's own last: it wins
        kpis = sorted(by_code.values(), key=lambda kpi: catalogue_name(kpi.name).lower())
        sets = list(KpiSet.objects.filter(company=company).order_by("stage", "name"))
        tables = BandTable.objects.filter(company=company).prefetch_related("points").order_by("name")
        return cls(
            kpis=[(f"kpi:{k.pk}", f"{catalogue_name(k.name)} ({k.code})") for k in kpis],
            kpi_sets=[(f"kpi_set:{s.pk}", _("%(name)s (stage %(stage)s)") % {"name": s.name, "stage": s.stage}) for s in sets],
            tables={str(t.pk): t for t in tables},
            kpi_rows={f"kpi:{k.pk}": k for k in kpis},
            set_rows={f"kpi_set:{s.pk}": s for s in sets},
        )


def _factor_value(factor: SchemeFactor) -> str:
    if factor.input_kind == SchemeFactor.Input.KPI:
        return f"kpi:{factor.kpi_id}"
    if factor.input_kind == SchemeFactor.Input.KPI_SET:
        return f"kpi_set:{factor.kpi_set_id}"
    return STAGE_INPUT


def _blank_factor(number: int, *, autofocus: bool = False) -> FactorRow:
    return FactorRow(name=f"k{number}", position=str(number), blank=True, autofocus=autofocus)


def _posted_factor_rows(post) -> list[FactorRow]:
    indices = sorted({int(m.group(1)) for key in post if (m := _FACTOR_KEY.match(key))})
    removed = set(post.getlist("remove"))
    rows = []
    for index in indices:
        row = FactorRow(**{name: post.get(f"factor-{index}-{name}", "").strip() for name in ("name", "position", "input", "band_table")})
        if str(index) in removed or not (row.input or row.band_table):
            continue
        rows.append(row)
    return rows


def _scheme_chart_pay(company, text: str) -> tuple[Decimal, str]:
    """The monthly fixed pay the bonus chart of a share-of-pay scheme is drawn for: what was
    typed, else the median of the company's salaries (else 100 000)."""
    if text.strip():
        try:
            return _number(text, _field(SalaryAgreement, "monthly_amount")), ""
        except NumberError as error:
            return DEFAULT_CHART_PAY, error.message
    amounts = list(SalaryAgreement.objects.filter(employee__company=company).values_list("monthly_amount", flat=True))
    return (Decimal(median(amounts)).quantize(Decimal("0.01")) if amounts else DEFAULT_CHART_PAY), ""


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def scheme_create(request):
    return _scheme_page(request, BonusScheme(company=_company(request)))


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def scheme(request, pk: int):
    return _scheme_page(request, get_object_or_404(BonusScheme, pk=pk, company=_company(request)))


@dataclass
class SchemeForm:
    """The scheme page's state: the scheme's fields as typed, its factor rows, the tables
    edited in place, and every refusal, each where it belongs."""

    scheme: BonusScheme
    choices: SchemeChoices
    fields: dict[str, str]
    rows: list[FactorRow]
    edits: dict[str, TableEdit]
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def stored(cls, scheme: BonusScheme, choices: SchemeChoices) -> SchemeForm:
        rows = [
            FactorRow(f.name, str(f.position), _factor_value(f), str(f.band_table_id))
            for f in (scheme.factors.order_by("position", "id") if scheme.pk else [])
        ]
        fields = {name: _plain(getattr(scheme, name)) for name in SCHEME_NUMBERS}
        if not scheme.pk:
            fields["base_share"] = _plain(Decimal(1))
        return cls(scheme, choices, fields, rows, {})

    @classmethod
    def posted(cls, scheme: BonusScheme, choices: SchemeChoices, post) -> SchemeForm:
        scheme.name = post.get("name", "").strip()
        scheme.base_kind = post.get("base_kind", "")
        form = cls(scheme, choices, {name: post.get(name, "").strip() for name in SCHEME_NUMBERS}, _posted_factor_rows(post), {})
        for name, text in form.fields.items():
            value = None
            if text:
                try:
                    value = _number(text, _field(BonusScheme, name))
                except NumberError as error:
                    form.field_errors.setdefault(name, []).append(error.message)
            setattr(scheme, name, Decimal(1) if name == "base_share" and not text else value)
        for pk in post.getlist("edit_table"):
            if pk in choices.tables:  # another company's table is not one to edit
                form.edits[pk] = TableEdit.posted(choices.tables[pk], post)
        return form

    def factors(self) -> list[SchemeFactor]:
        return [_factor_of(row, self.choices) for row in self.rows]

    def refused(self) -> bool:
        return bool(self.field_errors or self.errors or any(row.errors for row in self.rows)) or any(
            not edit.valid for edit in self.edits.values()
        )

    def take(self, error: ValidationError) -> None:
        """A refusal of the scheme service, onto the fields and factor rows it names."""
        by_row, other = _problems(error)
        for (index, name), problems in by_row.items():
            if index < len(self.rows):
                self.rows[index].errors.setdefault(name, []).extend(problems)
        for key, problems in other.items():
            (self.errors if key == "__all__" else self.field_errors.setdefault(key, [])).extend(problems)

    def summary(self) -> list[str]:
        """Every refusal in one list, each naming its field, factor or table row."""
        return [
            *self.errors,
            *(f"{name}: {problem}" for name, problems in self.field_errors.items() for problem in problems),
            *(
                _("factor %(number)s (%(name)s) — %(problem)s") % {"number": number, "name": row.name, "problem": problem}
                for number, row in enumerate(self.rows, start=1)
                for problem in row.all_errors
            ),
            *(problem for edit in self.edits.values() for problem in edit.problems()),
        ]

    def draw(self) -> None:
        """Each factor's table, its editor (on the first factor using it), curve and warnings,
        from the rows edited in place when they are valid."""
        editors: dict[str, int] = {}
        for number, row in enumerate(self.rows, start=1):
            table = self.choices.tables.get(row.band_table)
            if table is None:
                continue
            row.table = table
            edit = self.edits.get(row.band_table) or TableEdit.stored(table)
            self.edits.setdefault(row.band_table, edit)
            if row.band_table in editors:
                row.shared_with = editors[row.band_table]
            else:
                editors[row.band_table] = number
                row.edit = edit
            points = edit.points()
            row.chart = band_chart(points, edit.mode if edit.valid else table.mode)
            row.warnings = band_rows_warnings(points=points)


SCHEME_NUMBERS = ("base_share", "base_amount", "cap")


def _scheme_page(request, scheme: BonusScheme):
    """A scheme's name, base and cap and its factors, each with its band table's curve (and
    the table to edit in place); the bonus over the first two factors' inputs. POST:
    preview, add a factor, or save the scheme with the tables changed in place."""
    company = scheme.company
    choices = SchemeChoices.of(company)
    action = request.POST.get("action", "save") if request.method == "POST" else "show"
    if action == "show":
        form = SchemeForm.stored(scheme, choices)
        if not scheme.pk:
            _scheme_preset(request, form)
        chart_pay, chart_pay_error = _scheme_chart_pay(company, request.GET.get("chart_pay", ""))
    else:
        form = SchemeForm.posted(scheme, choices, request.POST)
        chart_pay, chart_pay_error = _scheme_chart_pay(company, request.POST.get("chart_pay", ""))
    if action in ("save", "preview"):
        factors = form.factors()
        for edit in form.edits.values():
            edit.validate()
        if not form.refused():
            try:
                bonus_scheme_validate(scheme=scheme, factors=factors)
            except ValidationError as error:
                form.take(error)
        if not form.refused() and action == "save":
            try:
                saved = _scheme_save(request, form, factors)
            except ValidationError as error:  # a rule the checks above did not know
                form.errors.extend(_lines(_problems(error)[1]))
            except PeriodClosedError as error:
                form.errors.append(error.message)
            else:
                return redirect("portal:scheme", pk=saved.pk)
    form.draw()
    for edit in form.edits.values():
        edit.open = edit.open or (action != "show" and (edit.changed or not edit.valid))
    rows = form.rows
    if action == "add":
        blanks = [_blank_factor(len(rows) + 1, autofocus=True), _blank_factor(len(rows) + 2)]
    elif not scheme.pk and not rows:
        blanks = [_blank_factor(1), _blank_factor(2)]
    else:
        blanks = [_blank_factor(len(rows) + n) for n in range(1, BLANK_FACTOR_ROWS + 1)]
    refused = action in ("save", "preview") and form.refused()
    context = {
        "company": company,
        "scheme": scheme,
        "fields": form.fields,
        "field_errors": form.field_errors,
        "base_kinds": list(BASE_KINDS.items()),
        "modes": list(MODES.items()),
        "rows": [*rows, *blanks],
        "choices": choices,
        "stage_input": STAGE_INPUT,
        "template_row": FactorRow(name="k__number__", position="__number__"),  # builder.js numbers it
        "errors": form.summary() if refused else [],
        "heatmap": None if form.field_errors else _heatmap(scheme, form, chart_pay),
        "chart_pay": _plain(chart_pay),
        "chart_pay_error": chart_pay_error,
        "share_base": scheme.base_kind == BonusScheme.BaseKind.SHARE,
        "preview": action == "preview" and not refused,
        "presets": [] if scheme.pk else [(key, preset.name) for key, preset in SCHEME_PRESETS.items()],
        **(
            history_context(
                [BonusScheme.history.filter(id=scheme.pk), SchemeFactor.history.filter(scheme_id=scheme.pk)],
                currency=company.currency,
            )
            if scheme.pk
            else {}
        ),
    }
    return render(request, "portal/hr/scheme.html", context, status=400 if refused else 200)


def _scheme_preset(request, form: SchemeForm) -> None:
    """A new scheme from the seeds' (`?preset=leads_cpl`): its name and factors filled in, each
    through the company's table with the preset's rows (else its only table, else none yet)."""
    preset = SCHEME_PRESETS.get(request.GET.get("preset", ""))
    if preset is None:
        return
    wanted = BAND_PRESETS[preset.bands].decimals
    tables = list(form.choices.tables.values())
    table = next((t for t in tables if [(p.lower_bound_pct, p.coefficient) for p in t.points.all()] == wanted), None)
    if table is None and len(tables) == 1:
        table = tables[0]
    by_code = {kpi.code: value for value, kpi in form.choices.kpi_rows.items()}
    form.scheme.name = str(preset.name)
    form.rows = [
        FactorRow(name, str(position), by_code.get(code, ""), str(table.pk) if table else "")
        for position, (name, code) in enumerate(preset.kpis, start=1)
    ]


def _scheme_save(request, form: SchemeForm, factors: list[SchemeFactor]) -> BonusScheme:
    """The tables changed in place, then the scheme: all of it or nothing; then what was
    saved is said."""
    notes = []
    with transaction.atomic():
        for edit in form.edits.values():
            if edit.changed:
                edit.table.mode = edit.mode
                table = band_table_save(table=edit.table, points=_points(edit.rows))  # type: ignore[arg-type]
                understood = ", ".join(f"{_plain(lower)} % → {_plain(c)}" for lower, c in _points(edit.rows))
                notes.append(_("%(name)s is saved: %(bands)s.") % {"name": table.name, "bands": understood})
        scheme = bonus_scheme_save(scheme=form.scheme, factors=factors)
    notes.append(_("%(name)s is saved with %(count)s factors.") % {"name": scheme.name, "count": len(factors)})
    for note in notes:
        messages.success(request, note)
    return scheme


def _factor_of(row: FactorRow, choices: SchemeChoices) -> SchemeFactor:
    """The factor a row says, with its own errors for what it cannot be (a position that is
    no whole number, a choice that is not in the lists)."""
    factor = SchemeFactor(name=row.name)
    try:
        factor.position = int(row.position)
    except ValueError:
        row.errors.setdefault("position", []).append(_("write the position as a whole number (1, 2…)"))
    if row.input == STAGE_INPUT:
        factor.input_kind = SchemeFactor.Input.STAGE_KPI_SET
    elif row.input in choices.kpi_rows:
        factor.input_kind, factor.kpi = SchemeFactor.Input.KPI, choices.kpi_rows[row.input]
    elif row.input in choices.set_rows:
        factor.input_kind, factor.kpi_set = SchemeFactor.Input.KPI_SET, choices.set_rows[row.input]
    else:
        row.errors.setdefault("input", []).append(_("choose what the factor reads"))
    table = choices.tables.get(row.band_table)
    if table is None:
        row.errors.setdefault("band_table", []).append(_("choose one of the company's band tables"))
    else:
        factor.band_table = table
    return factor


def _heatmap(scheme: BonusScheme, form: SchemeForm, chart_pay: Decimal) -> dict | None:
    """The bonus over the first two factors' inputs, through the tables as drawn."""
    tables = []
    for row in form.rows:
        edit = form.edits.get(row.band_table)
        if row.table is None or edit is None:
            return None
        try:
            tables.append((row.name or "k", engine.BandTable.build(row.table.name, edit.points(), edit.mode if edit.valid else row.table.mode)))
        except engine.RuleViolation:
            return None
    if len(tables) < 2 or scheme.base_kind not in BASE_KINDS:
        return None
    if scheme.base_kind == BonusScheme.BaseKind.FIXED_AMOUNT and scheme.base_amount is None:
        return None
    compiled = engine.Scheme(
        scheme.name,
        tuple(engine.Factor(name, table) for name, table in tables),
        scheme.base_kind,
        scheme.base_share if scheme.base_share is not None else Decimal(1),
        scheme.base_amount,
        scheme.cap,
    )
    return bonus_heatmap(compiled, fixed=chart_pay)
