"""What the run's services announce, once their transaction has committed. The services
never decide what runs next: `payroll.tasks` connects the receivers that queue the work
(see `PayrollConfig.ready`)."""

from functools import partial

from django.db import transaction
from django.dispatch import Signal

#: A calculation of the run was asked for (arguments: run_id, calculation).
calculation_requested = Signal()
#: The run was calculated (argument: run_id).
run_calculated = Signal()


def send_on_commit(signal: Signal, **arguments) -> None:
    """Send `signal` when the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(signal.send, sender=None, **arguments))
