"""The KPI matrix of a company's month (issue 14; the second seed's "KPI matrix"): one row per
person with each KPI's fulfillment, the band each factor's table put it in, the coefficients,
the bonus and the total. Every figure is read from a payout's trace, never recomputed here:
for a closed month (its run approved or paid) the approved payouts as stored; for an open one
the projection at the run rate, computed for everyone from one batch of inputs exactly as
`payroll.outlook.PayoutOutlook.projection` computes it for one (the marketer's dashboard)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from compensation.selectors import company_configuration, employees_in_period
from engine import Period, calculate_payout
from engine.projection import projected_input
from organizations.models import Company
from payroll.models import RELEASED, PayrollRun
from payroll.selectors import payroll_inputs
from payroll.statements import APPROVED_STATEMENT, PROJECTION, printed_from

DEFAULT_SORT = "number"


@dataclass(frozen=True)
class Band:
    """The row of a factor's band table that paid: 1 is the lowest; `top` the last (open) one."""

    row: int
    top: bool
    from_pct: Decimal
    to_pct: Decimal | None

    @property
    def rank(self) -> str:
        """The colour class's rank: "1" (the lowest row), "2", "3", "4" (4 and up), "top"."""
        return "top" if self.top else str(min(self.row, 4))


@dataclass(frozen=True)
class FactorCell:
    """One coefficient of a row: its input's percentage (a KPI's fulfillment or a KPI set's
    score), the band it fell in and the coefficient that band pays."""

    name: str
    percentage: Decimal
    coefficient: Decimal
    band: Band | None
    kpi: str | None = None
    kpi_set: str | None = None
    unresolved: str | None = None


@dataclass(frozen=True)
class KpiCell:
    """One KPI of a row: its fulfillment and what pays on it — a factor reading it alone
    (`factor`, whose band colours the cell) or a KPI set's score (`in_set`, with its weight)."""

    code: str
    fulfillment: Decimal
    no_plan: bool = False
    undefined: bool = False
    factor: FactorCell | None = None
    in_set: str | None = None
    weight: Decimal | None = None


@dataclass(frozen=True)
class MatrixRow:
    employee_id: int
    personnel_number: str
    full_name: str
    position: str
    kpis: dict[str, KpiCell]
    factors: tuple[FactorCell, ...]
    fixed: Decimal
    bonus: Decimal
    adjustments: Decimal
    total: Decimal
    warnings: int
    payout_id: int | None = None


@dataclass(frozen=True)
class KpiMatrix:
    """The matrix of one month: `basis` says what its figures are (`APPROVED_STATEMENT`, with
    the `run`, or `PROJECTION` on `today`)."""

    company: Company
    period: Period
    basis: str
    currency: str
    kpis: tuple[tuple[str, str], ...]  # (code, name as the traces hold it), in order of first use
    factor_count: int
    rows: tuple[MatrixRow, ...]
    run: PayrollRun | None = None
    today: date | None = None
    sort: str = DEFAULT_SORT
    factor_names: tuple[str, ...] = field(default=())

    @property
    def closed(self) -> bool:
        return self.basis == APPROVED_STATEMENT


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _factor(entry: dict[str, Any]) -> FactorCell:
    source = entry.get("input") or {}
    band = entry.get("band")
    return FactorCell(
        name=entry["name"],
        percentage=Decimal(entry["percentage"]),
        coefficient=Decimal(entry["coefficient"]),
        band=None
        if not band
        else Band(
            row=int(band["row"]),
            top=band.get("to_pct") is None,
            from_pct=Decimal(band["from_pct"]),
            to_pct=_dec(band.get("to_pct")),
        ),
        kpi=source.get("kpi"),
        kpi_set=source.get("kpi_set"),
        unresolved=source.get("unresolved"),
    )


def _row(
    trace: dict[str, Any], *, employee_id: int, shown: dict[str, str], amounts: tuple[Decimal, Decimal, Decimal, Decimal],
    warnings: int, payout_id: int | None, names: dict[str, str],
) -> MatrixRow:  # fmt: skip
    """A row from a payout's trace (the engine's structure: `kpis`, `bonus.factors`)."""
    factors = tuple(_factor(entry) for entry in (trace.get("bonus") or {}).get("factors", []))
    direct = {factor.kpi: factor for factor in reversed(factors) if factor.kpi}  # the first factor wins
    in_sets: dict[str, tuple[str, Decimal]] = {}
    for entry in reversed((trace.get("bonus") or {}).get("factors", [])):
        for item in (entry.get("input") or {}).get("items", []):
            in_sets[item["kpi"]] = (entry["name"], Decimal(item["weight"]))
    kpis = {}
    for entry in trace.get("kpis", []):
        code = entry["code"]
        names.setdefault(code, entry.get("name") or code)
        kpi_set, weight = in_sets.get(code, (None, None))
        kpis[code] = KpiCell(
            code=code,
            fulfillment=Decimal(entry["fulfillment_pct"]),
            no_plan=bool(entry.get("no_plan")),
            undefined="undefined" in entry,
            factor=direct.get(code),
            in_set=kpi_set,
            weight=weight,
        )
    fixed, bonus, adjustments, total = amounts
    return MatrixRow(
        employee_id=employee_id,
        personnel_number=shown["personnel_number"],
        full_name=shown["full_name"],
        position=shown["position"],
        kpis=kpis,
        factors=factors,
        fixed=fixed,
        bonus=bonus,
        adjustments=adjustments,
        total=total,
        warnings=warnings,
        payout_id=payout_id,
    )


def closed_run(*, company: Company, period: Period) -> PayrollRun | None:
    """The month's approved or paid run (the month is closed), else None."""
    return (
        PayrollRun.objects.filter(company=company, period=str(period), status__in=RELEASED)
        .select_related("company", "approved_by")
        .first()
    )


def kpi_matrix(*, company: Company, period: Period, today: date, sort: str = DEFAULT_SORT) -> KpiMatrix:
    """The company's matrix for the month, its rows sorted by `sort` (`kpi_matrix_sorted`).
    A fixed number of queries whatever the number of people."""
    names: dict[str, str] = {}
    run = closed_run(company=company, period=period)
    rows: list[MatrixRow] = []
    currency = company.currency
    if run is not None:
        payouts = run.payouts.select_related("employee").order_by("employee__personnel_number")
        for payout in payouts:
            employee = payout.employee
            shown = printed_from(
                payout.trace,
                employee={
                    "personnel_number": employee.personnel_number,
                    "full_name": employee.full_name,
                    "position": employee.position,
                },
                company={"name": company.name, "currency": company.currency},
            )
            currency = shown["company"]["currency"]
            rows.append(
                _row(
                    payout.trace or {},
                    employee_id=employee.pk,
                    shown=shown["employee"],
                    amounts=(payout.fixed, payout.bonus, payout.adjustments, payout.total),
                    warnings=len(payout.warnings),
                    payout_id=payout.pk,
                    names=names,
                )
            )
        basis = APPROVED_STATEMENT
    else:
        employees = list(employees_in_period(company=company, period=period).order_by("personnel_number"))
        configuration = company_configuration(company=company, period=period)
        inputs = payroll_inputs(company=company, period=period, employees=employees, configuration=configuration)
        for employee, data in zip(employees, inputs, strict=True):
            # What PayoutOutlook.projection computes for one employee (the dashboard's payout).
            projected, _rate = projected_input(data, configuration.aggregations, today)
            result = calculate_payout(projected)
            rows.append(
                _row(
                    result.trace,
                    employee_id=employee.pk,
                    shown={
                        "personnel_number": employee.personnel_number,
                        "full_name": employee.full_name,
                        "position": employee.position,
                    },
                    amounts=(result.fixed, result.bonus, result.adjustments, result.total),
                    warnings=len(result.warnings),
                    payout_id=None,
                    names=names,
                )
            )
        basis = PROJECTION
    factor_count = max((len(row.factors) for row in rows), default=0)
    factor_names = tuple(
        "/".join(dict.fromkeys(row.factors[index].name for row in rows if len(row.factors) > index))
        for index in range(factor_count)
    )
    matrix = KpiMatrix(
        company=company,
        period=period,
        basis=basis,
        currency=currency,
        kpis=tuple(names.items()),
        factor_count=factor_count,
        factor_names=factor_names,
        rows=tuple(rows),
        run=run,
        today=None if run is not None else today,
    )
    return kpi_matrix_sorted(matrix, sort)


def _sort_value(matrix: KpiMatrix, key: str) -> Callable[[MatrixRow], Any] | None:
    """How rows compare for a sort key (None: no such key in this matrix). None values (a KPI
    the person has not, a coefficient their scheme lacks) always go last."""
    if key == "number":
        return lambda row: row.personnel_number
    if key == "name":
        return lambda row: row.full_name.casefold()
    if key in ("fixed", "bonus", "adjustments", "total"):
        return lambda row: getattr(row, key)
    if key.startswith("kpi:") and key[4:] in dict(matrix.kpis):
        code = key[4:]
        return lambda row: row.kpis[code].fulfillment if code in row.kpis else None
    if key.startswith("k") and key[1:].isdigit() and 1 <= int(key[1:]) <= matrix.factor_count:
        index = int(key[1:]) - 1
        return lambda row: row.factors[index].coefficient if len(row.factors) > index else None
    return None


def kpi_matrix_sorted(matrix: KpiMatrix, sort: str) -> KpiMatrix:
    """The matrix with its rows sorted by `sort`: `number`, `name`, `fixed`, `bonus`,
    `adjustments`, `total`, `kpi:<code>` (fulfillment) or `k1`, `k2`… (a coefficient); a
    leading `-` sorts descending. Ties keep the personnel number's order; an unknown key sorts
    by personnel number (`sort` of the result says which was used)."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    value = _sort_value(matrix, key)
    if value is None:
        descending, key, value = False, DEFAULT_SORT, _sort_value(matrix, DEFAULT_SORT)
        assert value is not None
    ordered = sorted(matrix.rows, key=lambda row: row.personnel_number)
    present = [row for row in ordered if value(row) is not None]
    missing = [row for row in ordered if value(row) is None]
    present.sort(key=value, reverse=descending)  # stable: ties keep the personnel number's order
    return replace(matrix, rows=tuple(present + missing), sort=f"-{key}" if descending else key)
