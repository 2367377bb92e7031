"""`preview_payout PERSONNEL_NO YYYY-MM [--company SLUG] [--json]`: one payout with its
trace, computed now and stored nowhere — for "why is my bonus this?"."""

import json

from django.core.management.base import BaseCommand, CommandError

from organizations.management.arguments import period_argument
from organizations.models import Employee
from payroll.outlook import payout_preview


class Command(BaseCommand):
    help = "Compute one payout with its trace and store nothing."

    def add_arguments(self, parser):
        parser.add_argument("personnel_number")
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("--company", help="company slug, when the personnel number is not unique")
        parser.add_argument("--json", action="store_true", help="print the payout as JSON")

    def handle(self, *args, **options):
        period = period_argument(options["period"])
        employees = Employee.objects.select_related("company").filter(personnel_number=options["personnel_number"])
        if options["company"]:
            employees = employees.filter(company__slug=options["company"])
        found = list(employees[:2])
        if not found:
            raise CommandError(f"no employee with personnel number {options['personnel_number']!r}")
        if len(found) > 1:
            raise CommandError(f"personnel number {options['personnel_number']!r} exists in several companies; add --company")
        employee = found[0]
        result = payout_preview(employee=employee, period=period)
        if options["json"]:
            payload = {"company": employee.company.slug, "currency": employee.company.currency, **result.as_json()}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(render_payout(result, employee.full_name, employee.company.currency))


def render_payout(result, full_name: str, currency: str) -> str:
    """A short human explanation of a payout, from its trace."""
    trace = result.trace
    lines = [f"{result.employee} {full_name} — {result.period} ({currency})", ""]
    fixed = trace["fixed"]
    lines.append(f"Fixed pay {result.fixed}  ({fixed['working_days_in_period']} working days in the period)")
    for segment in fixed["segments"]:
        lines.append(
            f"  {segment['from']} … {segment['to']}: {segment['monthly_amount']} × {segment['working_days']}"
            f"/{fixed['working_days_in_period']} days"
        )
    bonus = trace.get("bonus")
    if bonus:
        lines.append(f"Bonus scheme {bonus['scheme']!r}, base {bonus['base']['amount']}")
        for kpi in trace.get("kpis", []):
            actual = kpi["actual"] if kpi["actual"] is not None else f"undefined ({kpi.get('undefined')})"
            lines.append(f"  KPI {kpi['code']}: plan {kpi['plan']}, actual {actual}, fulfillment {kpi['fulfillment_pct']} %")
        for factor in bonus["factors"]:
            band = factor["band"]
            upper = band["to_pct"] or "∞"
            lines.append(
                f"  {factor['name']}: {factor['percentage']} % → band {band['row']} [{band['from_pct']}, {upper})"
                f" → {factor['coefficient']}"
            )
        capped = " (capped)" if bonus["capped"] else ""
        lines.append(f"Bonus {result.bonus}{capped}")
    else:
        lines.append(f"Bonus {result.bonus}")
    for adjustment in trace["adjustments"]:
        lines.append(f"Adjustment {adjustment['amount']}: {adjustment['reason']}")
    lines.append(f"Total {result.total}")
    for warning in result.warnings:
        lines.append(f"warning: {warning['message']}")
    provenance = trace.get("provenance")
    if provenance:
        lines.append("")
        lines.append("Where the measures came from")
        for measure in provenance["measures"].values():
            lines.append(f"  {measure['sentence']}")
            for source in measure["sources"]:
                statuses = ", ".join(f"{status}: {n}" for status, n in sorted(source["not_counted_by_status"].items()))
                lines.append(f"    {source['source']}: {source['received']} received, {source['counted']} counted"
                             + (f" (not counted: {statuses})" if statuses else ""))
        for sync in provenance["syncs"]:
            lines.append(f"  sync {sync['id']} {sync['source']} {sync['label']} at {sync['finished_at'] or '—'}")
    return "\n".join(lines)
