"""Rows that must not be deleted because an app higher up still needs them.

The admin and API bases live below payroll, which knows what a run used; so payroll
registers a guard here when it starts (`payroll.apps`), and every face asks here: the admin's
delete page, delete action and inline rows, and the API's DELETE (409 `in_use`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import ProtectedError


@dataclass(frozen=True)
class Blocker:
    reason: str  # "the 2026-11 payroll run was calculated with it (approved)"
    row: models.Model  # what needs it


Guard = Callable[[models.Model], Iterable[Blocker]]
_guards: list[Guard] = []


def register_guard(guard: Guard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def blockers(obj: models.Model) -> list[Blocker]:
    return [blocker for guard in _guards for blocker in guard(obj)]


def reasons(obj: models.Model) -> list[str]:
    """Why `obj` cannot be deleted, one line each (empty: it can be)."""
    return [blocker.reason for blocker in blockers(obj)]


def ensure_deletable(obj: models.Model) -> None:
    """Raises Django's ProtectedError naming what needs `obj` (the API answers 409 `in_use`)."""
    found = blockers(obj)
    if found:
        raise ProtectedError(f"{obj} cannot be deleted: " + "; ".join(b.reason for b in found), {b.row for b in found})


def delete_unless_in_use(obj: models.Model) -> None:
    """Delete `obj` unless something needs it (checked and deleted in one transaction)."""
    with transaction.atomic():
        ensure_deletable(obj)
        obj.delete()
