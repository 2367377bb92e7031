"""What both halves of the run's services share (and the corrections' calculation, which
takes the run's path): the row locks, the chunks, the run's transitions, the state errors
and their codes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext

from core import periods
from core.errors import DomainError
from organizations.models import Employee
from payroll.models import ENDED_WITHOUT_RESULT, FROZEN, Correction, PayrollRun, RunTransition

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
            RUN_FROZEN,
            gettext("the %(period)s payroll is %(status)s; it can no longer change — enter an adjustment instead")
            % {"period": run.period, "status": run.status},
        )
    if run.status in ENDED_WITHOUT_RESULT:
        raise RunStateError(RUN_ENDED, gettext("the run is %(status)s; start a new one") % {"status": run.status})


@dataclass(frozen=True)
class Chunk:
    index: int
    employee_ids: list[int]


def lock_shared_state(model: type[PayrollRun] | type[Correction], pk: int) -> tuple[str, int] | None:
    """Read a run's (or a correction's) status and calculation under a key-share lock:
    chunks write side by side (and may update the progress), while approval, cancellation
    and recalculation, which lock the row for update, wait for them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT status, calculation FROM {model._meta.db_table} WHERE id = %s FOR KEY SHARE", [pk])
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None
    return model.objects.filter(pk=pk).values_list("status", "calculation").first()


def lock_employees(ids: list[int]) -> set[int]:
    """Those of `ids` that still exist, locked until the transaction ends (in id order, so
    two writers never deadlock): a second copy of a chunk waits here for the first, and an
    employee cannot be deleted under a payout being written. The lock (FOR NO KEY UPDATE)
    leaves rows that merely refer to the employees free to be written."""
    if connection.vendor != "postgresql":
        return set(Employee.objects.filter(pk__in=ids).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Employee._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [list(ids)]
        )
        return {row[0] for row in cursor.fetchall()}
