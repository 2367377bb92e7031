"""Times the calculation engine: one synthetic month of 10,000 marketers on one core.

Run from the repository root: `.venv/bin/python bench/engine.py`. Each marketer has a
three-factor scheme (k1 on lead fulfillment, k2 on cost-per-lead fulfillment, k3 on the
score of the stage-2 KPI set: seven KPIs in all), varied measures, plans and salaries; some
joined during the month with a raise. Prints payouts per second, best of three runs.
"""

from __future__ import annotations

import platform
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import (
    HIGHER_IS_BETTER,
    LINEAR,
    LOWER_IS_BETTER,
    STEP,
    Adjustment,
    BandTable,
    Factor,
    Kpi,
    KpiSet,
    PayoutInput,
    Period,
    SalaryAgreement,
    Scheme,
    WorkCalendar,
    calculate_payout,
    parse_formula,
)

EMPLOYEES = 10_000
RUNS = 3
PERIOD = Period(2026, 11)

KPI_FORMULAS = {
    "leads": ("leads", HIGHER_IS_BETTER),
    "cpl": ("marketing_spend / leads", LOWER_IS_BETTER),
    "awareness": ("aware_prospects", HIGHER_IS_BETTER),
    "new_client_share": ("new_clients / total_clients * 100", HIGHER_IS_BETTER),
    "repeat_requests": ("repeat_requests", HIGHER_IS_BETTER),
    "purchase_frequency_growth": ("purchases / prev(purchases) * 100", HIGHER_IS_BETTER),
    "avg_check_growth": ("(revenue / orders) / (prev(revenue) / prev(orders)) * 100", HIGHER_IS_BETTER),
}
STAGE_KPIS = list(KPI_FORMULAS)[2:]


def _table(name: str, points: list[tuple[str, str]], mode: str = STEP) -> BandTable:
    return BandTable.build(name, [(Decimal(lower), Decimal(coefficient)) for lower, coefficient in points], mode)


def build_schemes() -> list[Scheme]:
    """Three schemes on the same three factors: the stage factor step or linear, with
    different base shares and caps."""
    seed_bands = _table("k1/k2", [("0", "0"), ("80", "0.5"), ("100", "1")])
    stage_points = [("0", "0"), ("70", "0.5"), ("90", "0.8"), ("100", "1"), ("120", "1.3")]
    stage_step, stage_linear = _table("stage", stage_points), _table("stage linear", stage_points, LINEAR)
    weights = [Decimal(w) for w in ("0.1", "0.2", "0.4", "0.2", "0.1")]
    kpi_set = KpiSet.build("stage 2 · variant 1", list(zip(STAGE_KPIS, weights, strict=True)))
    schemes = []
    for number, (stage_table, share, cap) in enumerate(
        [(stage_step, "1", None), (stage_linear, "0.5", "1.2"), (stage_step, "0.75", "1")], start=1
    ):
        factors = (
            Factor("k1", seed_bands, kpi_code="leads"),
            Factor("k2", seed_bands, kpi_code="cpl"),
            Factor("k3", stage_table, kpi_set=kpi_set, source="active set for stage 2"),
        )
        schemes.append(Scheme(f"scheme {number}", factors, base_share=Decimal(share), cap=cap and Decimal(cap)))
    return schemes


# Uniform integer ranges the synthetic month draws from.
MEASURE_RANGES = {
    "leads": (0, 400),
    "marketing_spend": (50_000, 200_000),
    "aware_prospects": (100, 5_000),
    "new_clients": (0, 200),
    "total_clients": (200, 2_000),
    "repeat_requests": (0, 300),
    "purchases": (0, 900),
    "revenue": (100_000, 5_000_000),
    "orders": (0, 1_000),
}
PREVIOUS_RANGES = {"purchases": (0, 900), "revenue": (100_000, 5_000_000), "orders": (1, 1_000)}
PLAN_RANGES = {
    "leads": (100, 300),
    "cpl": (300, 900),
    "awareness": (500, 4_000),
    "new_client_share": (5, 30),
    "repeat_requests": (50, 250),
    "purchase_frequency_growth": (90, 130),
    "avg_check_growth": (95, 120),
}


def _draw(rng: random.Random, ranges: dict[str, tuple[int, int]]) -> dict[str, Decimal]:
    return {code: Decimal(rng.randint(low, high)) for code, (low, high) in ranges.items()}


def build_inputs(count: int, seed: int = 2026) -> list[PayoutInput]:
    """`count` marketers' inputs for November 2026 (4 November a holiday): one in ten joined
    this month and got a raise in it, one in 97 leaves on the 20th, one in 13 has a measure
    missing (an undefined KPI), one in 17 a plan missing, one in 50 an adjustment."""
    rng = random.Random(seed)
    calendar = WorkCalendar.build(PERIOD, holidays=[date(2026, 11, 4)])
    kpis = {code: Kpi(code, direction, parse_formula(text), name=code) for code, (text, direction) in KPI_FORMULAS.items()}
    schemes = build_schemes()
    inputs = []
    for number in range(count):
        salary = Decimal(rng.randrange(40_000, 150_000, 500))
        if number % 10 == 0:
            hire = date(2026, 11, rng.randint(2, 12))
            raise_from = date(2026, 11, rng.randint(13, 25))
            agreements = (SalaryAgreement(hire, salary), SalaryAgreement(raise_from, salary + 5_000))
        else:
            hire = date(2020 + number % 6, 1 + number % 12, 1)
            agreements = (SalaryAgreement(hire, salary),)
        measures = _draw(rng, MEASURE_RANGES)
        measures["marketing_spend"] += Decimal(rng.randint(0, 99)) / 100  # kopecks
        if number % 13 == 0:
            del measures["aware_prospects"]
        plans = _draw(rng, PLAN_RANGES)
        if number % 17 == 0:
            del plans["repeat_requests"]
        inputs.append(
            PayoutInput(
                employee=f"E{number:05d}",
                period=PERIOD,
                calendar=calendar,
                hire_date=hire,
                termination_date=date(2026, 11, 20) if number % 97 == 0 else None,
                salary_agreements=agreements,
                scheme=schemes[number % len(schemes)],
                kpis=kpis,
                plans=plans,
                measures=measures,
                previous_measures=_draw(rng, PREVIOUS_RANGES),
                adjustments=(Adjustment(Decimal("1500.00"), "one-off"),) if number % 50 == 0 else (),
            )
        )
    return inputs


def time_run(inputs: list[PayoutInput]) -> float:
    """Seconds to calculate every payout once (each result is dropped as it comes)."""
    started = time.perf_counter()
    for data in inputs:
        calculate_payout(data)
    return time.perf_counter() - started


def main() -> None:
    from engine.exact import COUNTER

    inputs = build_inputs(EMPLOYEES)
    COUNTER.reset()
    best = min(time_run(inputs) for _ in range(RUNS))
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), one process")
    print(f"{EMPLOYEES:,} payouts (3 factors, 7 KPIs each), best of {RUNS} runs: {best:.3f} s")
    print(f"{EMPLOYEES / best:,.0f} payouts per second")
    share = COUNTER.exact / COUNTER.values if COUNTER.values else 0.0
    print(
        f"exact path (not an exact 28-digit Decimal, so computed in integer ratios): {COUNTER.exact:,} of"
        f" {COUNTER.values:,} values ({share:.1%}; fulfillments, always in integers, not counted)"
    )


if __name__ == "__main__":
    main()
