"""Reads of payroll runs and payouts."""

from django.db.models import QuerySet

from compensation import access
from payroll.models import RELEASED, Payout, PayrollRun


def payouts_visible_to(user) -> QuerySet[Payout]:
    """The payouts a user may read: HR and finance their company's; a marketer their own,
    once the run is approved (before that a payout may still change, spec §8); a superuser
    every one."""
    payouts = Payout.objects.all()
    role = access.user_role(user)
    if role == "superuser":
        return payouts
    if role in (access.HR, access.FINANCE):
        return payouts.filter(run__company_id=access.user_company_id(user))
    if role == access.MARKETER:
        return payouts.filter(employee__user=user, run__status__in=RELEASED)
    return payouts.none()


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
