"""Companies and people moved from `compensation` to `organizations` with their tables: a
database migrated by the code before the move, with rows in it, migrates on, keeps every row
and pays the spec's examples A and C."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from compensation.selectors import payout_inputs
from engine import Period, calculate_payout
from organizations.models import Company, Employee

BEFORE_THE_MOVE = [
    ("compensation", "0004_historicalcompany"),
    ("kpis", "0003_import_log"),
    ("payroll", "0004_run_employees_gone"),
    ("organizations", None),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def seed_examples(old):
    """Examples A (the seeds' marketer) and C (a joiner with a raise, November 2026) through the
    models as they were before the move."""
    Company_, Employee_ = old.get_model("compensation", "Company"), old.get_model("compensation", "Employee")
    Salary, Scheme = old.get_model("compensation", "SalaryAgreement"), old.get_model("compensation", "BonusScheme")
    Table, Point = old.get_model("compensation", "BandTable"), old.get_model("compensation", "BandPoint")
    Factor, Assignment = old.get_model("compensation", "SchemeFactor"), old.get_model("compensation", "SchemeAssignment")
    Kpi, Measure = old.get_model("kpis", "Kpi"), old.get_model("kpis", "Measure")
    Plan, Value = old.get_model("kpis", "Plan"), old.get_model("kpis", "MeasureValue")
    Stage = old.get_model("compensation", "CompanyStage")

    company = Company_.objects.create(name="Before the move", slug="before-the-move")
    Stage.objects.create(company=company, stage=1, effective_from=date(2026, 1, 1))
    table = Table.objects.create(company=company, name="0/80/100", mode="step")
    for bound, k in [(0, "0"), (80, "0.5"), (100, "1")]:
        Point.objects.create(table=table, lower_bound_pct=bound, coefficient=Decimal(k))
    scheme = Scheme.objects.create(company=company, name="leads x CPL", base_kind="share", base_share=1)
    for position, code in [(1, "leads"), (2, "cpl")]:
        kpi = Kpi.objects.get(company=None, code=code)
        Factor.objects.create(scheme=scheme, position=position, name=f"k{position}", input_kind="kpi", kpi=kpi, band_table=table)

    a = Employee_.objects.create(company=company, personnel_number="A", full_name="Example A", hire_date=date(2020, 1, 1))
    Salary.objects.create(employee=a, monthly_amount=Decimal("30000.00"), effective_from=date(2020, 1, 1))
    Assignment.objects.create(employee=a, scheme=scheme, effective_from=date(2020, 1, 1))
    for code, value in [("leads", "200"), ("cpl", "500")]:
        Plan.objects.create(employee=a, period="2026-11", kpi=Kpi.objects.get(company=None, code=code), value=Decimal(value))
    for code, value in [("leads", "200"), ("marketing_spend", "111111.00")]:
        Value.objects.create(employee=a, period="2026-11", measure=Measure.objects.get(company=None, code=code), value=Decimal(value))

    c = Employee_.objects.create(company=company, personnel_number="C", full_name="Example C", hire_date=date(2026, 11, 9))
    Salary.objects.create(employee=c, monthly_amount=Decimal("60000.00"), effective_from=date(2026, 11, 9))
    Salary.objects.create(employee=c, monthly_amount=Decimal("66000.00"), effective_from=date(2026, 11, 16))
    return company.pk


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_migrates_on_and_pays_the_examples():
    leaves = latest()
    try:
        old = migrate(BEFORE_THE_MOVE)
        company_id = seed_examples(old)
        # As on a database that never saw the new app: employees' content type is compensation's.
        ContentType.objects.filter(app_label="organizations").delete()
        ContentType.objects.get_or_create(app_label="compensation", model="employee")
        ContentType.objects.clear_cache()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM compensation_employee")
            (employees_before,) = cursor.fetchone()

        migrate(leaves)
        ContentType.objects.clear_cache()

        company = Company.objects.get(pk=company_id)
        assert Employee.objects.filter(company=company).count() == 2
        assert Employee.objects.count() == employees_before
        assert ContentType.objects.get_for_model(Employee).app_label == "organizations"
        assert not ContentType.objects.filter(app_label="compensation", model="employee").exists()

        results = {
            result.employee: result
            for result in map(calculate_payout, payout_inputs(company=company, period=Period(2026, 11)))
        }
        assert (results["A"].bonus, results["A"].total) == (Decimal("15000.00"), Decimal("45000.00"))
        assert results["C"].fixed == Decimal("48857.14")
    finally:
        migrate(leaves)
