"""kpis.services.measure_save / kpi_save / kpi_delete / measure_delete: a company's own
measures and KPIs by the model's and the engine's rules, and nothing deleted that a KPI set,
a scheme, a plan, a formula or a recorded value still uses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from compensation.models import BonusScheme, SchemeFactor
from kpis.models import Kpi, KpiSet, Measure, MeasureValue, Plan
from kpis.services import kpi_delete, kpi_save, kpi_set_save, measure_delete, measure_save
from tests.factories import CompanyFactory, EmployeeFactory, band_table, catalogue_kpi, catalogue_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return CompanyFactory()


def own_measure(company, code="calls", name="Calls made") -> Measure:
    return measure_save(measure=Measure(company=company, code=code, name=name, aggregation="sum", unit="count"))


def formula_kpi(company, formula="marketing_spend / calls", code="cost_per_call") -> Kpi:
    return kpi_save(kpi=Kpi(company=company, code=code, name="Cost per call", direction="lower_is_better", unit="money", formula=formula))


def test_an_own_measure_and_a_formula_kpi_over_it_are_saved(company):
    calls = own_measure(company)
    kpi = formula_kpi(company)

    assert Measure.objects.get(pk=calls.pk).company == company
    stored = Kpi.objects.get(pk=kpi.pk)
    assert (stored.formula, stored.direction, stored.measure_id) == ("marketing_spend / calls", "lower_is_better", None)


def test_a_formula_over_an_unknown_measure_names_it_and_saves_nothing(company):
    with pytest.raises(ValidationError) as refused:
        formula_kpi(company, formula="marketing_spend / calls_made")

    assert "unknown measure 'calls_made'" in " ".join(refused.value.message_dict["formula"])
    assert not Kpi.objects.filter(company=company).exists()


def test_another_companys_measure_is_unknown_to_a_formula(company):
    own_measure(CompanyFactory(), code="theirs")
    with pytest.raises(ValidationError) as refused:
        formula_kpi(company, formula="theirs * 2")
    assert "unknown measure 'theirs'" in " ".join(refused.value.message_dict["formula"])


def test_a_kpi_needs_exactly_one_definition(company):
    with pytest.raises(ValidationError) as neither:
        kpi_save(kpi=Kpi(company=company, code="x", name="X", formula="  "))
    assert neither.value.message_dict["formula"] == ["give a measure or a formula"]
    with pytest.raises(ValidationError) as both:
        kpi_save(kpi=Kpi(company=company, code="x", name="X", measure=catalogue_measure("leads"), formula="leads"))
    assert both.value.message_dict["formula"] == ["give either a measure or a formula, not both"]
    assert not Kpi.objects.filter(company=company).exists()


def test_a_kpi_in_use_keeps_a_valid_definition(company):
    kpi = formula_kpi(company, formula="marketing_spend / leads")
    kpi_set_save(kpi_set=KpiSet(company=company, stage=1, name="Ours"), items=[(kpi, Decimal(1))])

    kpi.formula = ""
    with pytest.raises(ValidationError):
        kpi_save(kpi=kpi)
    assert Kpi.objects.get(pk=kpi.pk).formula == "marketing_spend / leads"
    kpi.formula = "ad_spend / leads"  # a new valid definition is fine
    kpi_save(kpi=kpi)
    assert Kpi.objects.get(pk=kpi.pk).formula == "ad_spend / leads"


def test_a_measure_read_by_a_formula_keeps_its_code(company):
    calls = own_measure(company)
    formula_kpi(company)
    calls.code = "phone_calls"
    with pytest.raises(ValidationError) as refused:
        measure_save(measure=calls)
    assert "Cost per call" in refused.value.message_dict["code"][0]
    assert Measure.objects.get(pk=calls.pk).code == "calls"
    calls.code, calls.name = "calls", "Calls"  # the name may change
    measure_save(measure=calls)
    assert Measure.objects.get(pk=calls.pk).name == "Calls"


def test_kpi_in_a_set_a_scheme_or_a_plan_is_not_deleted_and_says_who_uses_it(company):
    kpi = formula_kpi(company, formula="marketing_spend / leads")
    kpi_set_save(kpi_set=KpiSet(company=company, stage=2, name="Stage two"), items=[(kpi, Decimal(1))])
    scheme = BonusScheme.objects.create(company=company, name="Growth plan")
    SchemeFactor.objects.create(scheme=scheme, name="k1", kpi=kpi, band_table=band_table(company, [(0, 1)]))

    with pytest.raises(ProtectedError) as refused:
        kpi_delete(kpi=kpi)

    message = str(refused.value.args[0])
    assert "Stage two" in message and "Growth plan" in message and "k1" in message
    assert Kpi.objects.filter(pk=kpi.pk).exists()


def test_a_kpi_with_plans_is_not_deleted(company):
    kpi = formula_kpi(company, formula="marketing_spend / leads")
    Plan.objects.create(employee=EmployeeFactory(company=company), period="2026-11", kpi=kpi, value=Decimal(5))
    with pytest.raises(ProtectedError, match="1 plan"):
        kpi_delete(kpi=kpi)


def test_a_measure_defining_a_kpi_or_recorded_is_not_deleted(company):
    calls = own_measure(company)
    formula_kpi(company)
    with pytest.raises(ProtectedError, match="Cost per call"):
        measure_delete(measure=calls)
    other = own_measure(company, code="meetings", name="Meetings")
    MeasureValue.objects.create(employee=EmployeeFactory(company=company), period="2026-11", measure=other, value=3)
    with pytest.raises(ProtectedError, match="1 recorded value"):
        measure_delete(measure=other)
    assert Measure.objects.filter(company=company).count() == 2


def test_unused_kpi_and_measure_are_deleted(company):
    calls = own_measure(company)
    kpi = formula_kpi(company)
    kpi_delete(kpi=kpi)
    measure_delete(measure=calls)
    assert not Kpi.objects.filter(company=company).exists() and not Measure.objects.filter(company=company).exists()


def test_a_catalogue_kpi_used_by_a_company_is_protected_too(company):
    kpi = catalogue_kpi("leads")
    kpi_set_save(kpi_set=KpiSet(company=company, stage=3, name="Leads only"), items=[(kpi, Decimal(1))])
    with pytest.raises(ProtectedError, match="Leads only"):
        kpi_delete(kpi=kpi)
    assert Kpi.objects.filter(pk=kpi.pk).exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "unknown measure 'calls_made' at position 19"),
        ("ru", "неизвестный показатель 'calls_made' (позиция 19)"),
        ("uz", "noma’lum koʻrsatkich 'calls_made' (19-oʻrinda)"),
    ],
)
def test_the_parsers_refusal_reads_in_the_readers_language(company, language, message):
    from django.utils import translation

    with translation.override(language), pytest.raises(ValidationError) as refused:
        formula_kpi(company, formula="marketing_spend / calls_made")
    assert refused.value.message_dict["formula"] == [message]


def test_a_measure_code_a_formula_could_not_read_is_refused(company):
    with pytest.raises(ValidationError) as refused:
        own_measure(company, code="calls-made")
    assert "Latin letters, digits and _" in refused.value.message_dict["code"][0]
    assert not Measure.objects.filter(company=company).exists()


def test_a_measure_a_correction_changes_is_not_deleted(company):
    from payroll.models import Correction, CorrectionChange

    calls = own_measure(company)
    correction = Correction.objects.create(company=company, period="2026-10", reason="Late calls")
    CorrectionChange.objects.create(
        correction=correction, employee=EmployeeFactory(company=company), kind="measure", measure=calls, value=Decimal(4)
    )
    with pytest.raises(ProtectedError, match=rf"the correction of 2026-10 \(#{correction.pk}\) changes a value of it"):
        measure_delete(measure=calls)
    assert Measure.objects.filter(pk=calls.pk).exists()
