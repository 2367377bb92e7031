"""The payroll run's services, split by who calls them: `lifecycle` (queued → calculating →
calculated → approved → paid, plus failed and cancelled, as HR and finance drive it; the
adjustments) and `calculation` (split, chunk, finalize, resume, fail: only tasks call it).
Neither imports the tasks: they announce what happened (`signals`) and `payroll.tasks`
decides what runs next. The names callers use are here too."""

from payroll.services.calculation import (
    Chunk,
    RunNotReady,
    payroll_chunk_compute,
    payroll_resume_stalled_runs,
    payroll_run_fail,
    payroll_run_finalize,
    payroll_run_split,
)
from payroll.services.lifecycle import (
    MARK_PAID_REFUSED,
    adjustment_create,
    adjustment_delete,
    adjustment_period_ensure_open,
    approval_refusal,
    four_eyes_blocks,
    may_mark_paid,
    month_ended,
    payroll_run_approve,
    payroll_run_cancel,
    payroll_run_mark_paid,
    payroll_run_recalculate,
    payroll_run_start,
    payroll_start_scheduled_runs,
)
from payroll.services.runs import (
    FOUR_EYES,
    MONTH_NOT_ENDED,
    PERIOD_CLOSED,
    RUN_CHANGED,
    RUN_ENDED,
    RUN_FROZEN,
    RUN_NOT_APPROVED,
    RUN_NOT_CALCULATED,
    RUN_PROVISIONAL,
    RunStateError,
)

__all__ = [
    "FOUR_EYES", "MARK_PAID_REFUSED", "MONTH_NOT_ENDED", "PERIOD_CLOSED", "RUN_CHANGED", "RUN_ENDED", "RUN_FROZEN",
    "RUN_NOT_APPROVED", "RUN_NOT_CALCULATED", "RUN_PROVISIONAL", "Chunk", "RunNotReady", "RunStateError", "adjustment_create", "adjustment_delete",
    "adjustment_period_ensure_open", "approval_refusal", "four_eyes_blocks", "may_mark_paid", "month_ended",
    "payroll_chunk_compute", "payroll_resume_stalled_runs", "payroll_run_approve", "payroll_run_cancel",
    "payroll_run_fail", "payroll_run_finalize", "payroll_run_mark_paid", "payroll_run_recalculate",
    "payroll_run_split", "payroll_run_start", "payroll_start_scheduled_runs",
]  # fmt: skip
