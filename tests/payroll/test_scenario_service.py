"""A scheme tested on a person and scenarios over past months (issue 14, item 1): the same
inputs as the run with only the scheme (or a band table's rows) substituted, computed in
memory and stored nowhere; paid is what the approved payouts say."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from compensation.models import BandTable, BonusScheme
from compensation.services import band_table_save, scheme_assignment_set
from engine import Period
from organizations.models import Company, Employee
from payroll.models import Payout, PayrollRun, RunStatus, Scenario
from payroll.outlook import payout_preview, payout_with_scheme
from payroll.scenarios import scenario_compute, scenario_parameters, scenario_parameters_from_json
from payroll.services import payroll_run_approve, payroll_run_start
from payroll.services.scenarios import SCENARIO_NAME_TAKEN, scenario_save
from tests.factories import CompanyFactory, band_table

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
NOVEMBER = Period.parse("2026-11")
LEADS_CPL = "Leads × cost per lead"
SCORECARD = "Stage scorecard"
SEED_BANDS = "Seed bands (0 / 80 / 100)"


@pytest.fixture
def demo():
    from compensation.demo import seed_demo

    return seed_demo()


def run_of(company: Company, period: str, captured) -> PayrollRun:
    with captured(execute=True):
        run, _ = payroll_run_start(company=company, period=Period.parse(period), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    assert run.status == RunStatus.CALCULATED
    return run


@pytest.fixture
def approved(demo, django_capture_on_commit_callbacks) -> list[PayrollRun]:
    """October and November approved (hr started them, hr2 approved them)."""
    return [
        payroll_run_approve(run=run_of(demo, period, django_capture_on_commit_callbacks), approved_by=User.objects.get(username="hr2"))
        for period in ("2026-10", "2026-11")
    ]


def scheme(name: str) -> BonusScheme:
    return BonusScheme.objects.get(company__slug="demo", name=name)


def demo_a() -> Employee:
    return Employee.objects.get(personnel_number="DEMO-A")


def stored() -> tuple[int, int, int, list]:
    return (
        Payout.objects.count(),
        PayrollRun.objects.count(),
        Scenario.objects.count(),
        sorted(str(v) for v in Company.objects.values_list("config_version", flat=True)),
    )


# --- test a scheme on a person ----------------------------------------------------------


def test_the_employees_own_scheme_gives_the_preview(demo):
    own = scheme(LEADS_CPL)
    assert demo_a().scheme_assignments.get().scheme == own

    tested = payout_with_scheme(employee=demo_a(), period=NOVEMBER, scheme=own)

    preview = payout_preview(employee=demo_a(), period=NOVEMBER)
    assert tested.total == preview.total and tested.bonus == preview.bonus
    assert tested.trace == preview.trace


def test_another_scheme_pays_what_a_run_pays_once_it_is_assigned(demo, django_capture_on_commit_callbacks):
    # given: what the scorecard would pay DEMO-A in November, tested before anything changes
    before = stored()
    tested = payout_with_scheme(employee=demo_a(), period=NOVEMBER, scheme=scheme(SCORECARD))
    assert stored() == before  # nothing written
    assert tested.total != payout_preview(employee=demo_a(), period=NOVEMBER).total

    # when: the scorecard is assigned from November and the month is run
    scheme_assignment_set(employee=demo_a(), effective_from=date(2026, 11, 1), scheme=scheme(SCORECARD))
    run = run_of(demo, "2026-11", django_capture_on_commit_callbacks)

    # then: the run pays what the test said, to the kopeck and with the same trace
    payout = run.payouts.get(employee=demo_a())
    assert (payout.fixed, payout.bonus, payout.total) == (tested.fixed, tested.bonus, tested.total)
    assert payout.trace["bonus"] == tested.trace["bonus"]


def test_a_scheme_of_another_company_is_refused(demo):
    other = BonusScheme.objects.create(company=CompanyFactory(), name="Elsewhere")
    with pytest.raises(ValueError, match="another company"):
        payout_with_scheme(employee=demo_a(), period=NOVEMBER, scheme=other)


# --- scenarios --------------------------------------------------------------------------


def parameters(company, **typed):
    return scenario_parameters(company=company, **{"months": "2", **typed})


def test_paid_is_the_approved_payouts_and_the_same_scheme_changes_nothing(approved):
    company = approved[0].company
    before = stored()

    result = scenario_compute(
        company=company, parameters=parameters(company, scope=scheme(LEADS_CPL).pk, scheme=scheme(LEADS_CPL).pk)
    )

    assert stored() == before
    assert [month.period for month in result.months] == ["2026-10", "2026-11"]
    on_it = Payout.objects.filter(run__in=approved, employee__scheme_assignments__scheme=scheme(LEADS_CPL))
    assert result.total.payouts == on_it.count() > 0
    assert result.total.paid == sum(p.total for p in on_it)
    for month, run in zip(result.months, approved, strict=True):
        assert month.paid == sum(p.total for p in on_it.filter(run=run))
    assert result.total.scenario == result.total.paid and result.total.difference == 0
    assert all(person.difference == 0 for person in result.people)


def test_everyone_on_their_own_scheme_is_what_was_paid(approved):
    company = approved[0].company
    result = scenario_compute(company=company, parameters=parameters(company))
    everyone = Payout.objects.filter(run__in=approved)
    assert result.total.payouts == everyone.count()
    assert result.total.paid == result.total.scenario == sum(p.total for p in everyone)


def test_another_scheme_for_everyone_on_one_is_what_the_preview_says_it_pays(approved):
    company = approved[0].company
    result = scenario_compute(
        company=company, parameters=parameters(company, scope=scheme(LEADS_CPL).pk, scheme=scheme(SCORECARD).pk)
    )
    assert result.total.difference != 0
    expected = Decimal(0)
    for run in approved:
        for payout in run.payouts.filter(employee__scheme_assignments__scheme=scheme(LEADS_CPL)).select_related("employee"):
            expected += payout_with_scheme(employee=payout.employee, period=Period.parse(run.period), scheme=scheme(SCORECARD)).total
    assert result.total.scenario == expected


def test_a_changed_band_table_pays_what_the_engine_pays_once_the_table_is_saved(approved):
    # given: the seeds' bands with the middle band paying 0.8 instead of 0.5, typed the Russian way
    company = approved[0].company
    table = BandTable.objects.get(company=company, name=SEED_BANDS)
    draft = parameters(company, band_table=table.pk, band_rows="0;0\n80;0,8\n100;1")
    assert draft.band_points == ((Decimal(0), Decimal(0)), (Decimal(80), Decimal("0.8")), (Decimal(100), Decimal(1)))
    before = stored()

    result = scenario_compute(company=company, parameters=draft)

    # then: nothing was written, the table is as it was, the totals moved
    assert stored() == before
    assert list(table.points.values_list("coefficient", flat=True)) == [Decimal("0.0000"), Decimal("0.5000"), Decimal("1.0000")]
    assert result.total.scenario != result.total.paid
    # and: saving the table for real, the scenario with no change computes the same figures
    band_table_save(table=table, points=list(draft.band_points))
    real = scenario_compute(company=company, parameters=parameters(company))
    assert real.total.scenario == result.total.scenario
    assert [(p.personnel_number, p.scenario) for p in real.people] == [(p.personnel_number, p.scenario) for p in result.people]


def test_fewer_months_are_the_latest_ones(approved):
    company = approved[0].company
    result = scenario_compute(company=company, parameters=parameters(company, months="1"))
    assert [month.period for month in result.months] == ["2026-11"]
    assert result.total.paid == approved[1].total


def test_no_approved_month_is_refused_with_a_message(demo):
    with pytest.raises(ValidationError) as refused:
        scenario_compute(company=demo, parameters=parameters(demo))
    assert "no approved payroll run" in refused.value.message_dict["months"][0]


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"months": "0"}, "months", "Choose from 1 to 12 months."),
        ({"months": "13"}, "months", "Choose from 1 to 12 months."),
        ({"months": "six"}, "months", "Choose from 1 to 12 months."),
        ({"scheme": "999999"}, "scheme", "Not one of the company's bonus schemes."),
        ({"scope": "x"}, "scope", "Not one of the company's bonus schemes."),
        ({"band_table": "999999", "band_rows": "0;1"}, "band_table", "Not one of the company's band tables."),
        ({"band_rows": "0;1"}, "band_rows", "Choose the band table these rows replace."),
        ({"band_table": "TABLE"}, "band_rows", "Type the table's rows"),
        ({"band_table": "TABLE", "band_rows": "0;0\n80;half"}, "band_rows", "row 2: “half” is not a number"),
        ({"band_table": "TABLE", "band_rows": "0;0\n80"}, "band_rows", "row 2: write “lower bound;coefficient”"),
        ({"band_table": "TABLE", "band_rows": "10;0\n80;1"}, "band_rows", "row 1: the first lower bound is 10, it must be 0"),
        ({"band_table": "TABLE", "band_rows": "0;0\n80;-1"}, "band_rows", "row 2: the coefficient is -1, it must be 0 or more"),
    ],
    ids=["months-0", "months-13", "months-text", "unknown-scheme", "bad-scope", "unknown-table", "rows-without-table",
         "table-without-rows", "row-not-a-number", "row-one-value", "first-not-zero", "negative"],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_row(demo, typed, field, message):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    typed = {key: value.replace("TABLE", str(table.pk)) for key, value in typed.items()}
    with pytest.raises(ValidationError) as refused:
        parameters(demo, **typed)
    assert any(message in text for text in refused.value.message_dict[field]), refused.value.message_dict


def test_another_companys_scheme_and_table_are_unknown(demo):
    other = CompanyFactory()
    elsewhere = BonusScheme.objects.create(company=other, name="Elsewhere")
    table = band_table(other, [(0, 1)])
    with pytest.raises(ValidationError) as refused:
        parameters(demo, scope=elsewhere.pk, scheme=elsewhere.pk, band_table=table.pk, band_rows="0;2")
    assert set(refused.value.message_dict) == {"scope", "scheme", "band_table"}


def test_a_named_scenario_keeps_its_parameters_and_totals_and_reopens_to_the_same_figures(approved):
    company = approved[0].company
    table = BandTable.objects.get(company=company, name=SEED_BANDS)
    draft = parameters(company, scope=scheme(LEADS_CPL).pk, band_table=table.pk, band_rows="0;0\n80;0.8\n100;1.2")
    result = scenario_compute(company=company, parameters=draft)

    saved = scenario_save(company=company, name="Richer middle band", created_by=User.objects.get(username="hr"), result=result)

    assert saved.totals["scenario"] == str(result.total.scenario) and saved.totals["paid"] == str(result.total.paid)
    assert saved.parameters["band_rows"] == [["0", "0"], ["80", "0.8"], ["100", "1.2"]]
    reopened = scenario_compute(company=company, parameters=scenario_parameters_from_json(company=company, data=saved.parameters))
    assert reopened.parameters == draft
    assert reopened.total.scenario == result.total.scenario
    with pytest.raises(ValidationError) as refused:
        scenario_save(company=company, name=" Richer middle band ", created_by=None, result=result)
    assert refused.value.error_dict["name"][0].code == SCENARIO_NAME_TAKEN
    with pytest.raises(ValidationError):
        scenario_save(company=company, name="  ", created_by=None, result=result)
    assert Scenario.objects.count() == 1


def test_a_months_inputs_take_the_same_queries_whatever_the_number_of_people(approved, django_assert_max_num_queries):
    """Two months, all of the company's people: a fixed number of queries (no query per person)."""
    company = approved[0].company
    draft = parameters(company, scheme=scheme(SCORECARD).pk)
    with django_assert_max_num_queries(30) as counted:
        scenario_compute(company=company, parameters=draft)
    assert Payout.objects.filter(run__in=approved).count() > len(counted.captured_queries)


# --- a KPI set's weights changed -------------------------------------------------------

STAGE_SET = "Stage 2 · variant 1"


def stage_set(company: Company):
    from kpis.models import KpiSet

    return KpiSet.objects.get(company=company, stage=2, name__startswith=STAGE_SET)


def weights_of(kpi_set) -> list[tuple]:
    """(KPI, weight) in the set's order."""
    return [(item.kpi, item.weight) for item in kpi_set.items.select_related("kpi").order_by("id")]


def moved(kpi_set, step: Decimal = Decimal("0.05")) -> list[tuple]:
    """The set's weights with `step` moved from the heaviest KPI to the lightest (sum still 1)."""
    items = weights_of(kpi_set)
    heaviest = max(range(len(items)), key=lambda i: items[i][1])
    lightest = min(range(len(items)), key=lambda i: items[i][1])
    assert heaviest != lightest
    return [
        (kpi, weight - step if i == heaviest else weight + step if i == lightest else weight)
        for i, (kpi, weight) in enumerate(items)
    ]


def typed_weights(items, *, comma: bool = False) -> dict[str, str]:
    text = {str(kpi.pk): f"{weight.normalize():f}" for kpi, weight in items}
    return {pk: value.replace(".", ",") for pk, value in text.items()} if comma else text


def kpi_stored() -> tuple:
    from kpis.models import KpiSet, KpiSetItem

    return (
        KpiSet.objects.count(),
        sorted(KpiSetItem.objects.values_list("pk", "weight")),
        *stored(),
    )


def test_the_sets_own_weights_change_nothing(approved):
    company = approved[0].company
    kpi_set = stage_set(company)
    before = kpi_stored()

    result = scenario_compute(
        company=company, parameters=parameters(company, kpi_set=kpi_set.pk, kpi_weights=typed_weights(weights_of(kpi_set)))
    )

    assert kpi_stored() == before
    assert result.total.payouts == Payout.objects.filter(run__in=approved).count()
    assert result.total.scenario == result.total.paid and result.total.difference == 0


def test_changed_weights_pay_what_the_engine_pays_once_the_weights_are_saved(approved):
    # given: five hundredths moved from the heaviest KPI to the lightest, typed the Russian way
    from compensation.selectors import company_configuration
    from kpis.services import kpi_set_save

    company = approved[0].company
    kpi_set = stage_set(company)
    draft_items = moved(kpi_set)
    draft = parameters(company, kpi_set=kpi_set.pk, kpi_weights=typed_weights(draft_items, comma=True))
    assert draft.kpi_weights == tuple((kpi.pk, weight) for kpi, weight in draft_items)
    before = kpi_stored()

    result = scenario_compute(company=company, parameters=draft)

    # then: nothing was written and the shared compiled configuration still has the set's weights
    assert kpi_stored() == before
    assert result.total.scenario != result.total.paid
    shared = company_configuration(company=company, period=NOVEMBER).schemes([scheme(SCORECARD).pk])
    factor = shared[scheme(SCORECARD).pk][0].factors[0]
    assert [item.weight for item in factor.kpi_set.items] == [weight for _kpi, weight in weights_of(kpi_set)]
    # and: saving the weights for real, the scenario with no change computes the same figures
    kpi_set_save(kpi_set=kpi_set, items=draft_items)
    real = scenario_compute(company=company, parameters=parameters(company))
    assert real.total.scenario == result.total.scenario
    assert [(p.personnel_number, p.scenario) for p in real.people] == [(p.personnel_number, p.scenario) for p in result.people]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("sum-0.9", "kpi_weights", "weights sum to 0.9, they must sum to 1"),
        ("missing", "kpi_weights[1].weight", "row 2: the weight is missing"),
        ("five-places", "kpi_weights[0].weight", "row 1: "),
        ("not-a-number", "kpi_weights[1].weight", "row 2: 'half' is not a number"),
        ("zero", "kpi_weights[0].weight", "row 1: the weight is 0, it must be above 0 and at most 1"),
        ("none", "kpi_weights", "Type the set's weights."),
    ],
)
def test_bad_weights_are_refused_naming_the_row(demo, change, field, message):
    kpi_set = stage_set(demo)
    weights = typed_weights(weights_of(kpi_set))
    first, second = list(weights)[:2]
    if change == "sum-0.9":
        weights[first] = str(Decimal(weights[first]) - Decimal("0.1"))
    elif change == "missing":
        weights[second] = " "
    elif change == "five-places":
        weights[first] = str(Decimal(weights[first]) - Decimal("0.00001"))
        message = "has too many decimal places: at most 4"
    elif change == "not-a-number":
        weights[second] = "half"
    elif change == "zero":
        weights[first] = "0"
    else:
        weights = {}
    before = kpi_stored()
    with pytest.raises(ValidationError) as refused:
        parameters(demo, kpi_set=kpi_set.pk, kpi_weights=weights)
    assert any(message in text for text in refused.value.message_dict[field]), refused.value.message_dict
    if field.startswith("kpi_weights["):
        row = int(field[len("kpi_weights[")]) + 1
        assert all(text.startswith(f"row {row}: ") for text in refused.value.message_dict[field])
    assert kpi_stored() == before


def test_another_companys_kpi_set_is_unknown(demo):
    from kpis.models import Kpi, KpiSet, KpiSetItem

    other = CompanyFactory()
    theirs = KpiSet.objects.create(company=other, stage=2, name="Their set")
    KpiSetItem.objects.create(kpi_set=theirs, kpi=Kpi.objects.filter(company=None).first(), weight=Decimal(1))
    preset = KpiSet.objects.filter(company=None).first()
    for refused_id in (theirs.pk, preset.pk, "x"):
        with pytest.raises(ValidationError) as refused:
            parameters(demo, kpi_set=refused_id, kpi_weights={"1": "1"})
        assert refused.value.message_dict == {"kpi_set": ["Not one of the company's KPI sets."]}


def test_a_named_scenario_keeps_the_weights_and_reopens_to_the_same_figures(approved):
    company = approved[0].company
    kpi_set = stage_set(company)
    draft = parameters(company, kpi_set=kpi_set.pk, kpi_weights=typed_weights(moved(kpi_set), comma=True))
    result = scenario_compute(company=company, parameters=draft)

    saved = scenario_save(company=company, name="Heavier on the light KPI", created_by=None, result=result)

    assert saved.parameters["kpi_set"] == kpi_set.pk
    assert [(pk, Decimal(weight)) for pk, weight in saved.parameters["kpi_weights"]] == [
        (kpi.pk, weight) for kpi, weight in moved(kpi_set)
    ]
    saved.refresh_from_db()
    reopened = scenario_compute(company=company, parameters=scenario_parameters_from_json(company=company, data=saved.parameters))
    assert reopened.parameters == draft
    assert reopened.total.scenario == result.total.scenario != result.total.paid
