"""A run's books: the checksum of its payouts and its verification (issue 13, item 2).

When a calculation is finalized the run records its payouts' count, sums (the run's totals)
and a digest: sha256 over one line per payout in employee-id order — the payout's own sha256
of its employee id, fixed, bonus, adjustments, total and canonical trace JSON. Verifying
computes the same from the payouts as they are now and says, in words, what disagrees.

On PostgreSQL the digest is computed in the database (no trace leaves it; `jsonb::text` is
canonical); elsewhere in Python (sorted keys, no spaces). Each database checks its own: a
digest is compared only with one computed by the same kind of database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import Count, Sum

from payroll.models import READY, Payout, PayrollRun

ZERO = Decimal("0.00")

_PG_BOOKS = """
SELECT count(*), coalesce(sum(fixed), 0), coalesce(sum(bonus), 0), coalesce(sum(adjustments), 0),
       coalesce(sum(total), 0),
       encode(sha256(convert_to(coalesce(string_agg(
           encode(sha256(convert_to(concat_ws('|', employee_id::text, fixed::text, bonus::text, adjustments::text,
                                              total::text, trace::text), 'UTF8')), 'hex'),
           ',' ORDER BY employee_id), ''), 'UTF8')), 'hex')
FROM {table} WHERE run_id = %s
"""
# Count and sums only: an index scan of the run's payouts that never reads their traces.
_PG_SUMS = """
SELECT count(*), coalesce(sum(fixed), 0), coalesce(sum(bonus), 0), coalesce(sum(adjustments), 0),
       coalesce(sum(total), 0), NULL
FROM {table} WHERE run_id = %s
"""


@dataclass(frozen=True)
class Books:
    count: int
    fixed: Decimal
    bonus: Decimal
    adjustments: Decimal
    total: Decimal
    digest: str | None  # None when only the count and sums were read


def _line(employee_id, fixed, bonus, adjustments, total, trace) -> str:
    canonical = json.dumps(trace, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = "|".join([str(employee_id), str(fixed), str(bonus), str(adjustments), str(total), canonical])
    return hashlib.sha256(text.encode()).hexdigest()


def digest_of(rows: Iterable[tuple]) -> str:
    """The digest of (employee id, fixed, bonus, adjustments, total, trace) rows in employee-id order."""
    return hashlib.sha256(",".join(_line(*row) for row in rows).encode()).hexdigest()


def payouts_books(run_id: int, *, payouts=None, using: str = "default", digest: bool = True) -> Books:
    """The books of the run's payouts as they are now. `payouts` is the Payout model to read
    (a migration passes its historical one). With `digest=False` only the count and sums are
    read (milliseconds); the digest reads every payout's trace."""
    model = payouts or Payout
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute((_PG_BOOKS if digest else _PG_SUMS).format(table=model._meta.db_table), [run_id])
            count, fixed, bonus, adjustments, total, found = cursor.fetchone()
        return Books(count, fixed, bonus, adjustments, total, found)
    rows = model.objects.using(using).filter(run_id=run_id).order_by("employee_id")
    sums = rows.aggregate(count=Count("id"), fixed=Sum("fixed"), bonus=Sum("bonus"), adjustments=Sum("adjustments"), total=Sum("total"))
    fields = ("employee_id", "fixed", "bonus", "adjustments", "total", "trace")
    return Books(
        sums["count"],
        sums["fixed"] or ZERO,
        sums["bonus"] or ZERO,
        sums["adjustments"] or ZERO,
        sums["total"] or ZERO,
        digest_of(rows.values_list(*fields).iterator(chunk_size=2000)) if digest else None,
    )


def run_books_record(run: PayrollRun) -> None:
    """Set the run's checksum from its payouts (the caller saves the run)."""
    books = payouts_books(run.pk)
    assert books.digest is not None
    run.payouts_count = books.count
    run.payouts_digest = books.digest


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def run_books_problems(run: PayrollRun, *, digest: bool = True) -> list[str]:
    """What disagrees between the run's recorded checksum and its payouts, one sentence each;
    empty when the books agree or the run has no results to check (not calculated yet).
    `digest=False` checks the count and sums only (what the run page does on every view)."""
    if run.status not in READY:
        return []
    if run.payouts_count is None:
        return [f"the {run.period} run has no recorded checksum: it was calculated before checksums were kept"]
    books = payouts_books(run.pk, digest=digest)
    problems = []
    if books.count != run.payouts_count:
        problems.append(f"the run recorded {run.payouts_count} payouts; {books.count} are there now")
    if books.count != run.employees_total:
        problems.append(f"the run counts {run.employees_total} employees; there are {books.count} payouts")
    for label, recorded, now in (
        ("fixed pay", run.fixed_total, books.fixed),
        ("bonus", run.bonus_total, books.bonus),
        ("adjustments", run.adjustments_total, books.adjustments),
        ("total", run.total, books.total),
    ):
        if recorded != now:
            problems.append(f"the run's {label} is {_money(recorded)}; its payouts add up to {_money(now)}")
    if digest and books.digest != run.payouts_digest:
        problems.append(
            "the payouts' digest differs from the one recorded when the run was calculated: "
            "a payout (an amount or its trace) was changed, added or removed since"
        )
    return problems


def runs_books_problems(runs) -> Iterable[tuple[PayrollRun, list[str]]]:
    """(run, problems) for each run with results, in the order given."""
    for run in runs:
        if run.status in READY:
            yield run, run_books_problems(run)
