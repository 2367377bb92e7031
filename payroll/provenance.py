"""Where a payout's event-fed measures came from, kept beside the engine's trace (issue 15):
the preview and the run's payouts share it, so an approved payout stays explainable after
its events change."""

from events.selectors import provenance_for_payouts
from organizations.models import Employee


def payout_provenance(*, employees: list[Employee], period: str) -> dict[int, dict]:
    """Employee id → `provenance_for_payout` (per measure: counts by source and status, and
    the syncs used), for those of the employees whose period has events; a few queries for
    the lot."""
    if not employees:
        return {}
    return provenance_for_payouts(company_id=employees[0].company_id, period=period, employee_ids=[e.pk for e in employees])


def add_provenance(trace: dict, provenance: dict | None) -> None:
    """Put the provenance in the trace under "provenance" (nothing when there is none)."""
    if provenance and provenance.get("measures"):
        trace["provenance"] = provenance
