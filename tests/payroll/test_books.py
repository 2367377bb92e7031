"""Books that cannot be rewritten (issue 13, item 2): on PostgreSQL the database refuses to
change or delete an approved run's payouts, history, amounts and checksum; everywhere the
run keeps a checksum of its payouts, and `verify_payroll_books`, the HR run page and the
API's run detail report a run whose payouts no longer match it."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from compensation.demo import seed_demo
from core.errors import DomainError
from engine import Period
from organizations.models import Company, Employee
from payroll.books import payouts_books, run_books_problems
from payroll.models import Payout, PayrollRun, RunStatus, RunTransition
from payroll.services import payroll_run_approve, payroll_run_mark_paid, payroll_run_start
from tests.database import triggers_off

pytestmark = pytest.mark.django_db
NOVEMBER = Period.parse("2026-11")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")

PAYOUTS = Payout._meta.db_table
TRANSITIONS = RunTransition._meta.db_table
RUNS = PayrollRun._meta.db_table


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """The runs here are calculated in this process."""


@pytest.fixture
def demo() -> Company:
    return seed_demo()


@pytest.fixture
def calculated(demo, django_capture_on_commit_callbacks) -> PayrollRun:
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=NOVEMBER, started_by=User.objects.get(username="hr"), chunk_size=7)
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


@pytest.fixture
def approved(calculated) -> PayrollRun:
    return payroll_run_approve(run=calculated, approved_by=User.objects.get(username="hr2"))


def sql(statement: str, params=()) -> int:
    """Run one statement in a savepoint (a refusal leaves the test's transaction usable)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def a_payout(run: PayrollRun) -> Payout:
    return run.payouts.select_related("employee").get(employee__personnel_number="DEMO-A")


# --- the checksum -------------------------------------------------------------------------


def test_a_calculated_run_records_the_checksum_of_its_payouts(calculated):
    books = payouts_books(calculated.pk)
    assert calculated.payouts_count == books.count == calculated.payouts.count() > 0
    assert len(calculated.payouts_digest) == 64 and calculated.payouts_digest == books.digest
    assert (books.fixed, books.bonus, books.adjustments, books.total) == (
        calculated.fixed_total, calculated.bonus_total, calculated.adjustments_total, calculated.total,
    )  # fmt: skip
    assert run_books_problems(calculated) == []


def test_the_digest_follows_every_amount_and_the_trace(calculated):
    """Any change to one payout's amounts or trace changes the digest; the same payouts give the same one."""
    before = payouts_books(calculated.pk).digest
    assert payouts_books(calculated.pk).digest == before
    payout = a_payout(calculated)
    Payout.objects.filter(pk=payout.pk).update(trace={**payout.trace, "bonus": "0.00"})
    assert payouts_books(calculated.pk).digest != before
    Payout.objects.filter(pk=payout.pk).update(trace=payout.trace)
    assert payouts_books(calculated.pk).digest == before
    Payout.objects.filter(pk=payout.pk).update(bonus=payout.bonus + 1, fixed=payout.fixed - 1)  # the total unchanged
    assert payouts_books(calculated.pk).digest != before


def test_a_payout_of_an_approved_run_is_not_saved_or_deleted_by_the_application(approved):
    """The application-level rule (all SQLite has): the model refuses one payout's save and delete."""
    payout = a_payout(approved)
    payout.bonus = Decimal("0.00")
    with pytest.raises(DomainError) as refused:
        payout.save()
    assert refused.value.code == "run_frozen"
    with pytest.raises(DomainError):
        payout.delete()
    assert a_payout(approved).bonus != Decimal("0.00")


# --- the triggers -------------------------------------------------------------------------


@on_postgresql
def test_postgresql_refuses_to_change_or_delete_a_payout_of_an_approved_run(approved):
    payout = a_payout(approved)
    with pytest.raises(IntegrityError, match="its payouts cannot be changed or deleted"):
        sql(f"UPDATE {PAYOUTS} SET bonus = 0, total = fixed WHERE id = %s", [payout.pk])
    with pytest.raises(IntegrityError, match="its payouts cannot be changed or deleted"):
        sql(f"UPDATE {PAYOUTS} SET trace = '{{}}'::jsonb WHERE id = %s", [payout.pk])
    with pytest.raises(IntegrityError, match="its payouts cannot be changed or deleted"):
        sql(f"DELETE FROM {PAYOUTS} WHERE id = %s", [payout.pk])
    newcomer = Employee.objects.create(
        company=approved.company, personnel_number="NEW-9", full_name="Newcomer", hire_date=date(2026, 1, 1)
    )
    with pytest.raises(IntegrityError, match="no payout can be added to it"):
        sql(
            f"INSERT INTO {PAYOUTS} (run_id, employee_id, chunk, fixed, bonus, adjustments, total, coefficients, "
            "warnings, trace, calculated_at) SELECT run_id, %s, chunk, fixed, bonus, adjustments, total, "
            f"coefficients, warnings, trace, calculated_at FROM {PAYOUTS} WHERE id = %s",
            [newcomer.pk, payout.pk],
        )
    assert a_payout(approved).total == payout.total
    assert run_books_problems(approved) == []


@on_postgresql
def test_postgresql_refuses_to_rewrite_an_approved_runs_history_but_takes_its_next_step(approved):
    step = approved.transitions.get(to_status=RunStatus.APPROVED)
    with pytest.raises(IntegrityError, match="its history cannot be changed or deleted"):
        sql(f"UPDATE {TRANSITIONS} SET note = 'nothing happened' WHERE id = %s", [step.pk])
    with pytest.raises(IntegrityError, match="its history cannot be changed or deleted"):
        sql(f"DELETE FROM {TRANSITIONS} WHERE run_id = %s", [approved.pk])

    # approved → paid: a new transition and the payment fields are allowed
    paid = payroll_run_mark_paid(run=approved, payment_date=timezone.localdate(), payment_reference="BANK-77")
    assert paid.status == RunStatus.PAID
    assert list(paid.transitions.values_list("to_status", flat=True))[-2:] == ["approved", "paid"]
    with pytest.raises(IntegrityError, match="its payment cannot change"):
        sql(f"UPDATE {RUNS} SET payment_reference = 'BANK-78' WHERE id = %s", [paid.pk])


@on_postgresql
def test_postgresql_refuses_to_change_an_approved_runs_amounts_checksum_or_status_or_delete_it(approved):
    for assignment in (
        "total = total + 1",
        "bonus_total = 0",
        "payouts_count = payouts_count - 1",
        "payouts_digest = repeat('0', 64)",
        "employees_total = 0",
        "period = '2026-10'",
    ):
        with pytest.raises(IntegrityError, match="its amounts, counts and checksum cannot change"):
            sql(f"UPDATE {RUNS} SET {assignment} WHERE id = %s", [approved.pk])
    with pytest.raises(IntegrityError, match="it cannot become calculated"):
        sql(f"UPDATE {RUNS} SET status = 'calculated' WHERE id = %s", [approved.pk])
    with pytest.raises(IntegrityError, match="it cannot be deleted"):
        sql(f"DELETE FROM {RUNS} WHERE id = %s", [approved.pk])
    assert sql(f"UPDATE {RUNS} SET sheet = 'payroll-sheets/x.xlsx' WHERE id = %s", [approved.pk]) == 1  # allowed
    approved.refresh_from_db()
    assert approved.status == RunStatus.APPROVED and run_books_problems(approved) == []


@on_postgresql
def test_postgresql_lets_a_calculated_run_change(calculated):
    """Before approval nothing is closed: a recalculation replaces payouts, a cancelled run goes."""
    payout = a_payout(calculated)
    assert sql(f"UPDATE {PAYOUTS} SET bonus = bonus + 1 WHERE id = %s", [payout.pk]) == 1
    assert sql(f"UPDATE {TRANSITIONS} SET note = 'edited' WHERE run_id = %s", [calculated.pk]) >= 1
    assert sql(f"DELETE FROM {PAYOUTS} WHERE id = %s", [payout.pk]) == 1
    assert sql(f"DELETE FROM {TRANSITIONS} WHERE run_id = %s", [calculated.pk]) >= 1
    assert sql(f"UPDATE {RUNS} SET total = 0 WHERE id = %s", [calculated.pk]) == 1


# --- tampering is reported ------------------------------------------------------------------


def tamper(run: PayrollRun) -> Payout:
    """Change one payout's bonus and total behind every guard (the triggers switched off)."""
    payout = a_payout(run)
    with triggers_off():
        sql(f"UPDATE {PAYOUTS} SET bonus = bonus + 1000, total = total + 1000 WHERE id = %s", [payout.pk])
    return payout


def test_verify_payroll_books_passes_when_the_books_agree(approved):
    out = StringIO()
    call_command("verify_payroll_books", stdout=out)
    assert "1 runs checked: their books agree" in out.getvalue()


def test_tampered_payouts_are_reported_by_the_command_the_run_page_and_the_api(approved, demo):
    tamper(approved)
    approved.refresh_from_db()

    problems = run_books_problems(approved)
    assert any("bonus is" in p and "add up to" in p for p in problems)
    assert any("total is" in p for p in problems)
    assert any("digest differs" in p for p in problems)

    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 runs have books that disagree"):
        call_command("verify_payroll_books", "--company", demo.slug, "--period", "2026-11", stderr=err)
    assert f"run {approved.pk} {demo.slug} 2026-11 (approved): MISMATCH" in err.getvalue()
    assert "digest differs" in err.getvalue()
    # another period has nothing to check, and nothing wrong
    call_command("verify_payroll_books", "--period", "2026-10", stdout=StringIO())

    client = Client()
    client.force_login(User.objects.get(username="hr"))
    page = client.get(reverse("portal:run", args=[approved.pk])).content.decode()
    assert 'data-testid="books-problems"' in page and "add up to" in page  # the sums, on every view
    assert "digest differs" not in page  # every payout's trace is read when asked for
    verified = client.get(reverse("portal:run", args=[approved.pk]), {"verify": "books"}).content.decode()
    assert 'data-testid="books-problems"' in verified and "digest differs" in verified

    api = APIClient()
    api.force_authenticate(User.objects.get(username="hr"))
    detail = api.get(f"/api/v1/payroll-runs/{approved.pk}/").json()
    assert any("digest differs" in p for p in detail["books_problems"])
    assert detail["payouts_count"] == approved.payouts_count


def test_a_changed_trace_alone_is_noticed(approved):
    """Sums intact, the trace rewritten (what the payslip would print): only the digest can tell."""
    payout = a_payout(approved)
    with triggers_off():
        sql(f"UPDATE {PAYOUTS} SET trace = %s WHERE id = %s", ['{"rewritten": true}', payout.pk])
    approved.refresh_from_db()
    assert len(run_books_problems(approved)) == 1 and "digest differs" in run_books_problems(approved)[0]
    assert run_books_problems(approved, digest=False) == []  # the sums cannot tell
    client = Client()
    client.force_login(User.objects.get(username="hr"))
    page = client.get(reverse("portal:run", args=[approved.pk])).content.decode()
    assert 'data-testid="books-problems"' not in page and 'data-testid="verify-books"' in page
    verified = client.get(reverse("portal:run", args=[approved.pk]), {"verify": "books"}).content.decode()
    assert 'data-testid="books-problems"' in verified and "digest differs" in verified


def test_a_clean_run_page_shows_no_books_panel(approved):
    client = Client()
    client.force_login(User.objects.get(username="hr"))
    assert 'data-testid="books-problems"' not in client.get(reverse("portal:run", args=[approved.pk])).content.decode()
    verified = client.get(reverse("portal:run", args=[approved.pk]), {"verify": "books"}).content.decode()
    assert 'data-testid="books-problems"' not in verified and "Books verified: every payout" in verified
    api = APIClient()
    api.force_authenticate(User.objects.get(username="hr"))
    assert api.get(f"/api/v1/payroll-runs/{approved.pk}/").json()["books_problems"] == []
