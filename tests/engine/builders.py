"""Small builders for the engine's tests: plain data, no Django."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from engine import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    STEP,
    BandTable,
    Factor,
    Kpi,
    KpiSet,
    PayoutInput,
    PayoutResult,
    Period,
    SalaryAgreement,
    Scheme,
    WorkCalendar,
    parse_formula,
)

NOVEMBER = Period(2026, 11)
NOVEMBER_CALENDAR = WorkCalendar.build(NOVEMBER)

# Spec §2: the seeded catalogue, code -> (formula, direction).
CATALOGUE: dict[str, tuple[str, str]] = {
    "leads": ("leads", HIGHER_IS_BETTER),
    "cpl": ("marketing_spend / leads", LOWER_IS_BETTER),
    "cpo": ("marketing_spend / orders", LOWER_IS_BETTER),
    "cpc": ("ad_spend / clicks", LOWER_IS_BETTER),
    "ctr": ("clicks / impressions * 100", HIGHER_IS_BETTER),
    "cr": ("orders / visits * 100", HIGHER_IS_BETTER),
    "aov": ("revenue / orders", HIGHER_IS_BETTER),
    "romi": ("(revenue - marketing_spend) / marketing_spend * 100", HIGHER_IS_BETTER),
    "arpv": ("revenue / visits", HIGHER_IS_BETTER),
    "rvr": ("return_visits / visits * 100", HIGHER_IS_BETTER),
    "bounce_rate": ("bounces / visits * 100", LOWER_IS_BETTER),
    "cart_abandonment": ("(carts - paid_orders) / carts * 100", LOWER_IS_BETTER),
    "traffic": ("visits", HIGHER_IS_BETTER),
    "engagement": ("likes + comments + reposts", HIGHER_IS_BETTER),
    "open_rate": ("opens / delivered * 100", HIGHER_IS_BETTER),
    "ctor": ("clicks / opens * 100", HIGHER_IS_BETTER),
    "awareness": ("aware_prospects", HIGHER_IS_BETTER),
    "new_client_share": ("new_clients / total_clients * 100", HIGHER_IS_BETTER),
    "repeat_requests": ("repeat_requests", HIGHER_IS_BETTER),
    "purchase_frequency_growth": ("purchases / prev(purchases) * 100", HIGHER_IS_BETTER),
    "avg_check_growth": ("(revenue / orders) / (prev(revenue) / prev(orders)) * 100", HIGHER_IS_BETTER),
}
STAGE_KPIS = ("awareness", "new_client_share", "repeat_requests", "purchase_frequency_growth", "avg_check_growth")
SEED_BANDS = ((0, 0), (80, "0.5"), (100, 1))
STAGE_BANDS = ((0, 0), (70, "0.5"), (90, "0.8"), (100, 1), (120, "1.3"))


def d(value: Any) -> Decimal:
    """A Decimal from an int or a string (never from a float)."""
    assert not isinstance(value, float), "write decimals as strings"
    return Decimal(value)


def money(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def bands(points: Any = SEED_BANDS, mode: str = STEP, name: str = "bands") -> BandTable:
    return BandTable.build(name, [(d(lower), d(coefficient)) for lower, coefficient in points], mode)


def kpis(*codes: str) -> dict[str, Kpi]:
    """Catalogue KPIs by code."""
    found = {}
    for code in codes:
        text, direction = CATALOGUE[code]
        found[code] = Kpi(code, direction, parse_formula(text), name=code)
    return found


def kpi_set(weights: Any = ("0.1", "0.2", "0.4", "0.2", "0.1"), codes: Any = STAGE_KPIS, cap: Any = 150) -> KpiSet:
    return KpiSet.build("stage 2 · variant 1", [(code, d(w)) for code, w in zip(codes, weights, strict=True)], d(cap))


def seed_scheme(**options: Any) -> Scheme:
    """The seeds' two-factor scheme: k1 on lead fulfillment, k2 on cost per lead."""
    table = bands(SEED_BANDS, name="seed")
    return Scheme("seed", (Factor("k1", table, kpi_code="leads"), Factor("k2", table, kpi_code="cpl")), **options)


def payout_input(**overrides: Any) -> PayoutInput:
    """A full month of November 2026 at 30,000.00, no scheme, unless overridden."""
    values: dict[str, Any] = {
        "employee": "E1",
        "period": NOVEMBER,
        "calendar": NOVEMBER_CALENDAR,
        "hire_date": date(2020, 1, 1),
        "termination_date": None,
        "salary_agreements": (SalaryAgreement(date(2020, 1, 1), d("30000.00")),),
        "scheme": None,
        "kpis": {},
    }
    values.update(overrides)
    return PayoutInput(**values)


def warning_codes(result: PayoutResult) -> list[str]:
    return [warning["code"] for warning in result.warnings]


def kpi_entry(result: PayoutResult, code: str) -> dict[str, Any]:
    (entry,) = [entry for entry in result.trace["kpis"] if entry["code"] == code]
    return entry


def factor_entry(result: PayoutResult, name: str) -> dict[str, Any]:
    (entry,) = [entry for entry in result.trace["bonus"]["factors"] if entry["name"] == name]
    return entry
