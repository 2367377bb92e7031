"""Every validation rule of the domain model, as a person reads it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from compensation.models import BandTable, BonusScheme, SchemeAssignment, SchemeFactor
from compensation.services import band_table_save, bonus_scheme_save
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure
from kpis.services import kpi_set_activate, kpi_set_copy_preset, kpi_set_save, measure_value_upsert, plan_upsert
from organizations.models import Company, Employee
from tests.factories import CompanyFactory, EmployeeFactory, band_table, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db
D = Decimal


def messages(error: ValidationError) -> dict[str, list[str]]:
    return {field: [str(m) for m in errors] for field, errors in error.message_dict.items()}


def stage_kpis():
    codes = ["awareness", "new_client_share", "repeat_requests", "purchase_frequency_growth", "avg_check_growth"]
    return [catalogue_kpi(code) for code in codes]


# -- KPI sets (spec §4)


def test_weights_must_sum_to_exactly_one():
    company = CompanyFactory()
    kpis = stage_kpis()
    with pytest.raises(ValidationError) as error:
        kpi_set_save(kpi_set=KpiSet(company=company, stage=2, name="x"), items=[(kpis[0], D("0.5")), (kpis[1], D("0.45"))])
    assert messages(error.value) == {"__all__": ["weights sum to 0.95, they must sum to 1"]}
    assert not KpiSet.objects.filter(company=company).exists()


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (["0.5", "0.5"], None),
        (["0", "1"], "row 1: the weight is 0, it must be above 0 and at most 1"),
        (["1.5", "-0.5"], "row 1: the weight is 1.5, it must be above 0 and at most 1"),
        (["0.33335", "0.66665"], "row 1: the weight 0.33335 has more than 4 decimal places"),
    ],
    ids=["valid", "zero-weight", "over-one", "five-places"],
)
def test_each_weight_is_checked(weights, expected):
    kpis = stage_kpis()
    items = [(kpis[i], D(w)) for i, w in enumerate(weights)]
    kpi_set = KpiSet(company=CompanyFactory(), stage=2, name="x")
    if expected is None:
        kpi_set_save(kpi_set=kpi_set, items=items)
        assert kpi_set.items.count() == 2
        return
    with pytest.raises(ValidationError) as error:
        kpi_set_save(kpi_set=kpi_set, items=items)
    assert expected in messages(error.value)["items[0].weight"]


def test_a_kpi_appears_once_in_a_set():
    kpi = catalogue_kpi("leads")
    with pytest.raises(ValidationError) as error:
        kpi_set_save(kpi_set=KpiSet(company=CompanyFactory(), stage=1, name="x"), items=[(kpi, D("0.5")), (kpi, D("0.5"))])
    assert messages(error.value)["items[1].kpi"] == ["row 2: KPI 'leads' is already in row 1; a KPI appears once"]


def test_cap_is_at_least_100():
    with pytest.raises(ValidationError) as error:
        kpi_set_save(
            kpi_set=KpiSet(company=CompanyFactory(), stage=1, name="x", cap_pct=D(99)), items=[(catalogue_kpi("leads"), D(1))]
        )
    assert messages(error.value)["cap_pct"] == ["the cap is 99 %, it must be at least 100 %"]


def test_one_active_set_per_company_and_stage():
    company = CompanyFactory()
    preset_a, preset_b = KpiSet.objects.filter(company=None, stage=2)[:2]
    first = kpi_set_copy_preset(preset=preset_a, company=company, activate=True)
    second = kpi_set_copy_preset(preset=preset_b, company=company)
    kpi_set_activate(kpi_set=second)
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    with pytest.raises(IntegrityError), transaction.atomic():
        KpiSet.objects.filter(pk=first.pk).update(is_active=True)


def test_presets_copy_with_their_weights():
    preset = KpiSet.objects.get(company=None, name__startswith="Stage 3 · A")
    copy = kpi_set_copy_preset(preset=preset, company=CompanyFactory())
    assert [str(w) for w in copy.items.values_list("weight", flat=True)] == ["0.2000", "0.2000", "0.1000", "0.3000", "0.2000"]


def test_database_refuses_a_weight_above_one():
    kpi_set = KpiSet.objects.create(company=CompanyFactory(), stage=1, name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        KpiSetItem.objects.create(kpi_set=kpi_set, kpi=catalogue_kpi("leads"), weight=D(2))


# -- band tables (spec §5)


@pytest.mark.parametrize(
    ("points", "field", "message"),
    [
        ([(5, 0), (80, 1)], "points[0].lower_bound_pct", "row 1: the first lower bound is 5, it must be 0"),
        ([(0, 0), (80, 1), (70, 2)], "points[2].lower_bound_pct", "row 3: the lower bound 70 must be greater than the row above (80)"),
        ([(0, 0), (80, 1), (80, 2)], "points[2].lower_bound_pct", "row 3: the lower bound 80 must be greater than the row above (80)"),
        ([(0, 0), (80, "-0.5")], "points[1].coefficient", "row 2: the coefficient is -0.5, it must be 0 or more"),
        ([(0, "0.12345")], "points[0].coefficient", "row 1: the coefficient 0.12345 has more than 4 decimal places"),
        ([], "__all__", "a band table needs at least one row"),
        # Issue 12: these were stored rounded (50.00), or ended in an IntegrityError / DataError.
        ([(0, 0), ("50.004", 1)], "points[1].lower_bound_pct", "row 2: the lower bound 50.004 has more than 2 decimal places"),
        ([(0, 0), (50, 1), ("50.001", 2)], "points[2].lower_bound_pct", "row 3: the lower bound 50.001 has more than 2 decimal places"),
        ([(0, 0), (100000, 1)], "points[1].lower_bound_pct", "row 2: the lower bound 100000 is too large: at most 99999.99"),
        ([(0, 10**6)], "points[0].coefficient", "row 1: the coefficient 1000000 is too large: at most 999999.9999"),
        ([(0, 0), ("NaN", 1)], "points[1].lower_bound_pct", "row 2: the lower bound NaN is not a number"),
    ],
    ids=[
        "first-not-zero", "decreasing", "overlap", "negative", "five-places", "empty",
        "bound-three-places", "bound-finer-than-a-neighbour", "bound-too-large", "coefficient-too-large", "not-a-number",
    ],
)
def test_band_table_rules(points, field, message):
    company = CompanyFactory()
    with pytest.raises(ValidationError) as error:
        band_table_save(table=BandTable(company=company, name="b"), points=[(D(str(a)), D(str(b))) for a, b in points])
    assert message in messages(error.value)[field]
    assert not BandTable.objects.filter(company=company).exists()


# -- KPIs and formulas (spec §2)


@pytest.mark.parametrize(
    ("measure", "formula", "message"),
    [
        (None, "leads / spend", "unknown measure 'spend' at position 9"),
        (None, "leads / (orders", "expected ')' but found the end of the formula at position 16"),
        (None, "", "give a measure or a formula"),
        ("leads", "leads * 2", "give either a measure or a formula, not both"),
    ],
    ids=["unknown-measure", "syntax", "neither", "both"],
)
def test_kpi_definition_rules(measure, formula, message):
    kpi = Kpi(code="x", name="X", formula=formula, measure=catalogue_measure(measure) if measure else None)
    with pytest.raises(ValidationError) as error:
        kpi.full_clean()
    assert messages(error.value)["formula"] == [message]


def test_company_kpi_may_use_the_company_measures():
    company = CompanyFactory()
    Measure.objects.create(company=company, code="calls", name="Calls")
    Kpi(company=company, code="calls_per_lead", name="Calls per lead", formula="calls / leads").full_clean()
    with pytest.raises(ValidationError):
        Kpi(company=CompanyFactory(), code="y", name="Y", formula="calls / leads").full_clean()


# -- plans and measure values


@pytest.mark.parametrize("value", ["0", "-5"])
def test_plan_must_be_positive(value):
    with pytest.raises(ValidationError) as error:
        plan_upsert(employee=EmployeeFactory(), period="2026-11", kpi=catalogue_kpi("leads"), value=D(value))
    assert messages(error.value)["value"] == [f"the plan is {value}, it must be greater than 0"]


def test_plan_period_is_a_month():
    with pytest.raises(ValidationError) as error:
        plan_upsert(employee=EmployeeFactory(), period="2026-13", kpi=catalogue_kpi("leads"), value=D(1))
    assert messages(error.value)["period"] == ["'2026-13' is not a period; write it as YYYY-MM, for example 2026-11"]


def test_plan_upsert_replaces_not_duplicates():
    employee = EmployeeFactory()
    plan_upsert(employee=employee, period="2026-11", kpi=catalogue_kpi("leads"), value=D(100))
    plan_upsert(employee=employee, period="2026-11", kpi=catalogue_kpi("leads"), value=D(120))
    assert list(employee.plans.values_list("value", flat=True)) == [D(120)]


def test_a_count_is_never_negative_but_money_may_be():
    employee = EmployeeFactory()
    with pytest.raises(ValidationError) as error:
        measure_value_upsert(employee=employee, period="2026-11", measure=catalogue_measure("leads"), value=D(-1))
    assert messages(error.value)["value"] == ["the value is -1, a count cannot be negative"]
    measure_value_upsert(employee=employee, period="2026-11", measure=catalogue_measure("revenue"), value=D(-1))


# -- companies, employees, schemes


def test_currency_is_an_iso_code():
    with pytest.raises(ValidationError) as error:
        Company(name="X", slug="x", currency="rubles").full_clean()
    assert "currency" in error.value.message_dict


def test_termination_not_before_hire():
    employee = EmployeeFactory.build(company=CompanyFactory(), hire_date=date(2026, 5, 1), termination_date=date(2026, 4, 1))
    with pytest.raises(ValidationError) as error:
        employee.full_clean()
    assert messages(error.value)["termination_date"] == ["the termination date 2026-04-01 is before the hire date 2026-05-01"]
    with pytest.raises(IntegrityError), transaction.atomic():
        employee.save()


def test_scheme_needs_a_factor_and_a_fixed_base_needs_its_amount():
    company = CompanyFactory()
    with pytest.raises(ValidationError, match="at least one factor"):
        bonus_scheme_save(scheme=BonusScheme(company=company, name="s"), factors=[])
    bands = band_table(company, [(0, 1)])
    with pytest.raises(ValidationError) as error:
        bonus_scheme_save(
            scheme=BonusScheme(company=company, name="s", base_kind="fixed_amount"),
            factors=[SchemeFactor(name="k", kpi=catalogue_kpi("leads"), band_table=bands)],
        )
    assert messages(error.value)["base_amount"] == ["a fixed-amount base needs the amount"]
    assert not BonusScheme.objects.filter(company=company).exists()


def test_factor_input_must_match_its_kind_and_company():
    company, other = CompanyFactory(), CompanyFactory()
    foreign_bands = band_table(other, [(0, 1)])
    with pytest.raises(ValidationError) as error:
        bonus_scheme_save(
            scheme=BonusScheme(company=company, name="s"),
            factors=[SchemeFactor(name="k", input_kind="kpi", band_table=foreign_bands)],
        )
    assert messages(error.value) == {
        "factors[0].kpi": ["choose the KPI whose fulfillment this factor reads"],
        "factors[0].band_table": ["the band table belongs to another company"],
    }
    assert not BonusScheme.objects.filter(company=company).exists()


def test_assignment_to_a_scheme_of_another_company_is_refused():
    employee = EmployeeFactory()
    other = CompanyFactory()
    scheme = bonus_scheme_save(
        scheme=BonusScheme(company=other, name="s"),
        factors=[SchemeFactor(name="k", kpi=catalogue_kpi("leads"), band_table=band_table(other, [(0, 1)]))],
    )
    with pytest.raises(ValidationError, match="another company"):
        SchemeAssignment(employee=employee, scheme=scheme, effective_from=date(2026, 1, 1)).full_clean()


def test_personnel_number_is_unique_within_a_company():
    employee = EmployeeFactory()
    with pytest.raises(ValidationError):
        Employee(company=employee.company, personnel_number=employee.personnel_number, full_name="x",
                 hire_date=date(2026, 1, 1)).full_clean()


def test_saving_an_active_set_deactivates_the_other_and_keeps_history():
    company = CompanyFactory()
    kpis = stage_kpis()
    first = kpi_set_save(kpi_set=KpiSet(company=company, stage=2, name="a", is_active=True), items=[(kpis[0], D(1))])
    second = kpi_set_save(kpi_set=KpiSet(company=company, stage=2, name="b", is_active=True), items=[(kpis[1], D(1))])
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    assert first.history.first().is_active is False  # the deactivation is in the history
    kpi_set_save(kpi_set=second, items=[(kpis[1], D("0.5")), (kpis[2], D("0.5"))])
    item = second.items.get(kpi=kpis[1])
    assert [h.weight for h in item.history.order_by("history_date")] == [D(1), D("0.5")]


def test_a_kpi_set_cannot_use_another_company_kpi():
    company, other = CompanyFactory(), CompanyFactory()
    foreign = Kpi.objects.create(company=other, code="own", name="Own", formula="leads")
    with pytest.raises(ValidationError, match="belongs to another company"):
        kpi_set_save(kpi_set=KpiSet(company=company, stage=1, name="x"), items=[(foreign, D(1))])


def test_band_table_edits_keep_point_history():
    company = CompanyFactory()
    table = band_table(company, [(0, 0), (80, "0.5"), (100, 1)])
    band_table_save(table=table, points=[(D(0), D(0)), (D(80), D("0.6")), (D(120), D("1.2"))])
    assert [(p.lower_bound_pct, p.coefficient) for p in table.points.all()] == [
        (D("0.00"), D("0.0000")), (D("80.00"), D("0.6000")), (D("120.00"), D("1.2000"))
    ]
    changed = table.points.get(lower_bound_pct=80)
    assert changed.history.count() == 2
