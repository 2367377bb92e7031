"""HR's KPI sets page (issue 14, item 1, "KPI sets per stage"): the company's sets by
development stage with their weights, one button to activate a variant, the catalogue's
presets to copy, a set created or edited on one page, and the company's stage history.
Thin over `kpis.services` and `organizations.services.company_stage_set`."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.domain import field_decimal
from core.numbers import NumberError
from core.periods import PeriodClosedError
from kpis.models import Kpi, KpiSet, KpiSetItem
from kpis.selectors import catalogue_and_own
from kpis.services import kpi_set_activate, kpi_set_copy_preset, kpi_set_save, kpi_set_validate
from organizations import access
from organizations.models import Company, CompanyStage
from organizations.services import company_stage_set
from portal.formatting import format_coefficient, input_value
from portal.history import history_context
from portal.labels import catalogue_name
from portal.views import _company, role_required

STAGES = range(1, 6)
MAX_ROWS = 40  # rows read from a form; a set has a handful of KPIs
BLANK_ROWS = 2  # empty rows offered after the set's own
ONE = Decimal(1)
WEIGHT = KpiSetItem._meta.get_field("weight")
CAP = KpiSet._meta.get_field("cap_pct")
_ROW_FIELD = re.compile(r"^(kpi|weight)-(\d+)$")
_ROW_ERROR = re.compile(r"^items\[(\d+)\]\.(\w+)$")
_ROW_PREFIX = re.compile(r"^row \d+: ")


def _items_prefetch() -> Prefetch:
    return Prefetch("items", queryset=KpiSetItem.objects.select_related("kpi").order_by("id"))


def _set_view(kpi_set: KpiSet) -> dict:
    items = list(kpi_set.items.all())
    total = sum((item.weight for item in items), Decimal(0))
    return {
        "set": kpi_set,
        "items": [{"name": catalogue_name(item.kpi.name), "code": item.kpi.code, "weight": item.weight} for item in items],
        "total": total,
        "total_ok": total == ONE,
    }


def _stage_history(company: Company, today: date) -> tuple[list[CompanyStage], CompanyStage | None]:
    rows = list(CompanyStage.objects.filter(company=company).order_by("-effective_from"))
    return rows, next((row for row in rows if row.effective_from <= today), None)


@require_http_methods(["GET"])
@role_required(access.HR)
def kpi_sets(request):
    """The company's KPI sets by stage (which one is active), the presets, the stage history."""
    company = _company(request)
    today = timezone.localdate()
    own = KpiSet.objects.filter(company=company).prefetch_related(_items_prefetch()).order_by("stage", "name")
    by_stage: dict[int, list[dict]] = {stage: [] for stage in STAGES}
    for kpi_set in own:
        by_stage.setdefault(kpi_set.stage, []).append(_set_view(kpi_set))
    presets = KpiSet.objects.filter(company__isnull=True).prefetch_related(_items_prefetch()).order_by("stage", "name")
    history, current = _stage_history(company, today)
    stages = [
        {"stage": stage, "sets": sets, "active": next((s for s in sets if s["set"].is_active), None)}
        for stage, sets in sorted(by_stage.items())
    ]
    return render(
        request,
        "portal/hr/kpi_sets.html",
        {
            "company": company,
            "stages": stages,
            "presets": [_set_view(preset) for preset in presets],
            "history": history,
            "current": current,
            "today": today,
            "stage_choices": STAGES,
        },
    )


# --- one set on one page -----------------------------------------------------------------


@dataclass
class Row:
    """One row of the form as typed: the KPI chosen (its id as text) and the weight."""

    kpi: str = ""
    weight: str = ""
    errors: list[str] = field(default_factory=list)
    kpi_name: str = ""

    @property
    def blank(self) -> bool:
        return not self.kpi.strip() and not self.weight.strip()


@dataclass
class SetForm:
    name: str = ""
    stage: str = ""
    cap: str = ""
    rows: list[Row] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    total: Decimal | None = None  # the sum of the weights understood (None: one is not a number)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)


def _kpi_choices(company: Company, kpi_set: KpiSet | None) -> list[Kpi]:
    """The catalogue's KPIs and the company's own (its own wins for a code), plus those the
    set already holds; by name in the active language."""
    by_code = {kpi.code: kpi for kpi in catalogue_and_own(Kpi, company=company)}
    choices = {kpi.pk: kpi for kpi in by_code.values()}
    if kpi_set is not None and kpi_set.pk:
        for item in kpi_set.items.select_related("kpi"):
            choices.setdefault(item.kpi.pk, item.kpi)
    return sorted(choices.values(), key=lambda kpi: catalogue_name(kpi.name).casefold())


def _form_of(kpi_set: KpiSet) -> SetForm:
    items = list(kpi_set.items.order_by("id")) if kpi_set.pk else []
    rows = [Row(kpi=str(item.kpi_id), weight=format_coefficient(item.weight)) for item in items]
    total = sum((item.weight for item in items), Decimal(0))
    return SetForm(name=kpi_set.name, stage=str(kpi_set.stage or ""), cap=input_value(kpi_set.cap_pct), rows=rows, total=total)


def _typed_rows(post: QueryDict) -> list[Row]:
    """The rows as typed, blank ones left out (so row numbers match the domain's)."""
    numbers = sorted({int(match[2]) for key in post if (match := _ROW_FIELD.match(key)) and int(match[2]) < MAX_ROWS})
    rows = [Row(kpi=post.get(f"kpi-{n}", "").strip(), weight=post.get(f"weight-{n}", "").strip()) for n in numbers]
    return [row for row in rows if not row.blank]


def _stage(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) in STAGES else None


def _read(post: QueryDict, kpi_set: KpiSet, choices: dict[int, Kpi]) -> tuple[SetForm, list[tuple[Kpi, Decimal]]]:
    """The form as typed onto `kpi_set` (unsaved) and its items; every problem is noted on
    the form: numbers by `parse_decimal`, the set by `kpi_set_validate` and the model."""
    form = SetForm(name=post.get("name", "").strip(), stage=post.get("stage", "").strip(), cap=post.get("cap_pct", "").strip())
    form.rows = _typed_rows(post)
    stage = _stage(form.stage)
    if stage is None:
        form.add("stage", _("choose a stage from 1 to 5"))
    cap = None
    try:
        cap = field_decimal(CAP, form.cap)
    except NumberError as error:
        form.add("cap_pct", error.message if form.cap else _("the cap is missing"))
    items: list[tuple[Kpi | None, Decimal | None]] = []
    unread: set[tuple[int, str]] = set()  # (row, field) already said why
    for number, row in enumerate(form.rows):
        kpi = choices.get(int(row.kpi)) if row.kpi.isdigit() else None
        if kpi is not None:
            row.kpi_name = catalogue_name(kpi.name)
        elif row.kpi:
            row.errors.append(_("choose a KPI from the list"))
            unread.add((number, "kpi"))
        weight = None
        if row.weight:
            try:
                weight = field_decimal(WEIGHT, row.weight)
            except NumberError as error:
                row.errors.append(error.message)
                unread.add((number, "weight"))
        items.append((kpi, weight))
    unreadable = any(fieldname == "weight" for _row, fieldname in unread)  # as the live sum: blank weights add 0
    form.total = None if unreadable else sum((weight for _kpi, weight in items if weight is not None), Decimal(0))
    try:
        kpi_set_validate(cap_pct=cap, items=items)
    except ValidationError as error:
        _note(form, error, unread)
    kpi_set.name, kpi_set.stage, kpi_set.cap_pct = form.name, stage, cap  # type: ignore[assignment]
    try:
        kpi_set.full_clean(validate_constraints=False)
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            if key not in form.errors and key in ("name", "stage", "cap_pct"):
                form.errors[key] = list(problems)
    return form, [(kpi, weight) for kpi, weight in items if kpi is not None and weight is not None]


def _note(form: SetForm, error: ValidationError, unread: Collection[tuple[int, str]] = ()) -> None:
    """A domain `ValidationError` onto the form: `items[i].field` onto row i, the rest by field."""
    for key, problems in error.message_dict.items():
        match = _ROW_ERROR.match(key)
        if match and int(match[1]) < len(form.rows):
            if (int(match[1]), match[2]) not in unread:  # the page names the row itself
                form.rows[int(match[1])].errors.extend(_ROW_PREFIX.sub("", problem) for problem in problems)
        elif key == "cap_pct":
            if "cap_pct" not in form.errors:
                form.errors["cap_pct"] = list(problems)
        else:
            form.errors.setdefault("__all__" if key in ("items", "weights") else key, []).extend(problems)


def _render_form(request, kpi_set: KpiSet, form: SetForm, choices: list[Kpi], *, title: str, status: int = 200):
    rows = form.rows + [Row() for _ in range(BLANK_ROWS if form.rows else 5)]
    summary = [
        (_("Row %(number)s") % {"number": number} + (f" · {row.kpi_name}" if row.kpi_name else ""), problem)
        for number, row in enumerate(form.rows, start=1)
        for problem in row.errors
    ]
    return render(
        request,
        "portal/hr/kpi_set.html",
        {
            "company": kpi_set.company,
            "kpi_set": kpi_set,
            "title": title,  # the saved name, whatever was typed
            "form": form,
            "rows": rows,
            "row_summary": summary,
            "choices": [{"pk": str(kpi.pk), "name": catalogue_name(kpi.name), "code": kpi.code} for kpi in choices],
            "stage_choices": STAGES,
            "total": None if form.total is None else format_coefficient(form.total),
            "total_ok": form.total == ONE,
            "decimal_point": format_coefficient(Decimal("0.5"))[1],  # the language's, for the live sum
            **(
                history_context(
                    [KpiSet.history.filter(id=kpi_set.pk), KpiSetItem.history.filter(kpi_set_id=kpi_set.pk)],
                    currency=kpi_set.company.currency if kpi_set.company else "",
                )
                if kpi_set.pk
                else {}
            ),
        },
        status=status,
    )


def _saved(kpi_set: KpiSet, items: list[tuple[Kpi, Decimal]]) -> str:
    understood = ", ".join(f"{catalogue_name(kpi.name)} {format_coefficient(weight)}" for kpi, weight in items)
    return _("“%(name)s” (stage %(stage)s) is saved: %(items)s; the weights sum to 1.") % {
        "name": kpi_set.name,
        "stage": kpi_set.stage,
        "items": understood,
    }


def _edit(request, kpi_set: KpiSet):
    choices = _kpi_choices(_company(request), kpi_set)
    title = kpi_set.name if kpi_set.pk else _("New KPI set")
    if request.method == "GET":
        return _render_form(request, kpi_set, _form_of(kpi_set), choices, title=title)
    form, items = _read(request.POST, kpi_set, {kpi.pk: kpi for kpi in choices})
    if not form.has_errors:
        try:
            kpi_set_save(kpi_set=kpi_set, items=items)
        except ValidationError as error:
            if KpiSet.objects.filter(company=kpi_set.company, stage=kpi_set.stage, name=kpi_set.name).exclude(pk=kpi_set.pk).exists():
                form.add("name", _("the company already has a stage %(stage)s set with this name") % {"stage": kpi_set.stage})
            else:
                _note(form, error)
        else:
            messages.success(request, _saved(kpi_set, items))
            return redirect(reverse("portal:kpi_sets") + f"#stage-{kpi_set.stage}")
    return _render_form(request, kpi_set, form, choices, title=title, status=400)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def kpi_set_create(request):
    """A new set of the company (`?stage=N` picks the stage)."""
    company = _company(request)
    kpi_set = KpiSet(company=company, stage=_stage(request.GET.get("stage", "")) or 1)
    return _edit(request, kpi_set)


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def kpi_set_edit(request, pk: int):
    """One of the company's sets: name, stage, cap and the rows of KPI and weight."""
    return _edit(request, get_object_or_404(KpiSet.objects.select_related("company"), pk=pk, company=_company(request)))


# --- one button each -----------------------------------------------------------------------


def _back(stage: int | str):
    return redirect(reverse("portal:kpi_sets") + f"#stage-{stage}")


@require_POST
@role_required(access.HR)
def kpi_set_make_active(request, pk: int):
    """This variant becomes the active set of its stage (the one active before is not)."""
    kpi_set = get_object_or_404(KpiSet, pk=pk, company=_company(request))
    kpi_set_activate(kpi_set=kpi_set)
    messages.success(request, _("“%(name)s” is now the active set of stage %(stage)s.") % {"name": kpi_set.name, "stage": kpi_set.stage})
    return _back(kpi_set.stage)


@require_POST
@role_required(access.HR)
def kpi_set_copy(request, pk: int):
    """A preset (a set of the catalogue) copied into the company, active at once if asked."""
    preset = get_object_or_404(KpiSet, pk=pk, company__isnull=True)
    company = _company(request)
    activate = bool(request.POST.get("activate"))
    if KpiSet.objects.filter(company=company, stage=preset.stage, name=preset.name).exists():
        messages.error(
            request, _("“%(name)s” is already among the company's sets of stage %(stage)s.") % {"name": preset.name, "stage": preset.stage}
        )
        return _back(preset.stage)
    try:
        with transaction.atomic():
            # Activated after the copy, as the admin does: the copy is saved inactive first.
            copy = kpi_set_copy_preset(preset=preset, company=company)
            if activate:
                kpi_set_activate(kpi_set=copy)
    except ValidationError as error:
        messages.error(request, f"{preset.name}: {'; '.join(error.messages)}")
        return _back(preset.stage)
    done = (
        _("“%(name)s” is copied into the company and is the active set of stage %(stage)s.")
        if activate
        else _("“%(name)s” is copied into the company; activate it when it should count.")
    )
    messages.success(request, done % {"name": copy.name, "stage": copy.stage})
    return _back(copy.stage)


@require_POST
@role_required(access.HR)
def stage_set(request):
    """The company's development stage from a date on."""
    company = _company(request)
    stage = _stage(request.POST.get("stage", "").strip())
    try:
        day = date.fromisoformat(request.POST.get("effective_from", "").strip())
    except ValueError:
        day = None
    if stage is None or day is None:
        messages.error(request, _("Choose a stage from 1 to 5 and write the date as YYYY-MM-DD."))
        return redirect(reverse("portal:kpi_sets") + "#stages")
    try:
        company_stage_set(company=company, stage=stage, effective_from=day)
    except PeriodClosedError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(
            request, _("From %(day)s the company is at stage %(stage)s.") % {"day": day.isoformat(), "stage": stage}
        )
    return redirect(reverse("portal:kpi_sets") + "#stages")
