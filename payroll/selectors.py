"""Reads of payroll runs."""

from payroll.models import PayrollRun


def payroll_run_summary(run: PayrollRun) -> dict:
    """The run's figures as JSON-ready data (money as strings)."""
    return {
        "id": run.pk,
        "company": run.company.slug,
        "period": run.period,
        "status": run.status,
        "employees": run.employees_total,
        "employees_done": run.employees_done,
        "fixed": str(run.fixed_total),
        "bonus": str(run.bonus_total),
        "adjustments": str(run.adjustments_total),
        "total": str(run.total),
        "warnings": run.warnings_count,
    }


def payroll_run_warnings(run: PayrollRun) -> list[dict]:
    """Every warning of the run, with the employee it concerns."""
    rows = (
        run.payouts.exclude(warnings=[])
        .order_by("employee__personnel_number")
        .values_list("employee__personnel_number", "employee__full_name", "warnings")
    )
    return [
        {"personnel_number": number, "employee": name, **warning}
        for number, name, warnings in rows
        for warning in warnings
    ]
