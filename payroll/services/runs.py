"""What both halves of the run's services share: the run row's lock, its transitions, the
state errors and their codes."""

from __future__ import annotations

from core import periods
from core.errors import DomainError
from payroll.models import ENDED_WITHOUT_RESULT, FROZEN, PayrollRun, RunTransition

# Error codes, so the API and tests can rely on them.
RUN_FROZEN = "run_frozen"
RUN_ENDED = "run_ended"
RUN_NOT_CALCULATED = "run_not_calculated"
RUN_NOT_APPROVED = "run_not_approved"
FOUR_EYES = "four_eyes"
PERIOD_CLOSED = periods.PERIOD_CLOSED  # refused by core.periods (PeriodClosedError)
MONTH_NOT_ENDED = "month_not_ended"
RUN_PROVISIONAL = "run_provisional"
RUN_CHANGED = "run_changed"


class RunStateError(DomainError):
    """The run's status does not allow this; `code` says why (the API answers 409)."""


def transition(run: PayrollRun, to_status: str, by=None, note: str = "") -> None:
    RunTransition.objects.create(run=run, from_status=run.status, to_status=to_status, by=by, note=note)
    run.status = to_status


def locked(run_id: int) -> PayrollRun:
    return PayrollRun.objects.select_for_update().select_related("company").get(pk=run_id)


def ensure_mutable(run: PayrollRun) -> None:
    if run.status in FROZEN:
        raise RunStateError(
            RUN_FROZEN, f"the {run.period} payroll is {run.status}; it can no longer change — enter an adjustment instead"
        )
    if run.status in ENDED_WITHOUT_RESULT:
        raise RunStateError(RUN_ENDED, f"the run is {run.status}; start a new one")
