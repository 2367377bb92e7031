"""HR's "Test a scheme" and "Scenarios" pages (issue 14, item 1): the statement a scheme
would produce for a person and month, and a draft change priced on the last approved months
against what was paid; both for the HR user's own company only, stored nowhere unless a
scenario is saved by name."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation

from compensation.models import BandTable, BonusScheme
from engine import Period
from organizations.models import CompanyMembership, Employee
from payroll.models import Payout, PayrollRun, RunStatus, Scenario
from payroll.outlook import payout_preview, payout_with_scheme
from payroll.services import payroll_run_approve, payroll_run_start
from tests.factories import CompanyFactory, EmployeeFactory, band_table

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
TEST_SCHEME = reverse("portal:test_scheme")
SCENARIOS = reverse("portal:scenarios")
NOVEMBER = Period.parse("2026-11")
LEADS_CPL = "Leads × cost per lead"
SCORECARD = "Stage scorecard"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def demo_a() -> Employee:
    return Employee.objects.get(personnel_number="DEMO-A")


def scheme(name: str) -> BonusScheme:
    return BonusScheme.objects.get(company__slug="demo", name=name)


@pytest.fixture
def approved(demo, django_capture_on_commit_callbacks) -> list[PayrollRun]:
    runs = []
    for period in ("2026-10", "2026-11"):
        with django_capture_on_commit_callbacks(execute=True):
            run, _ = payroll_run_start(company=demo, period=Period.parse(period), started_by=User.objects.get(username="hr"))
        run.refresh_from_db()
        assert run.status == RunStatus.CALCULATED
        runs.append(payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2")))
    return runs


@pytest.fixture
def elsewhere():
    """Another company with its HR user, an employee, a scheme, a band table and a scenario."""
    company = CompanyFactory(name="Elsewhere Ltd")
    user = User.objects.create_user("hr_elsewhere", password="x")
    CompanyMembership.objects.create(user=user, company=company, role=CompanyMembership.Role.HR)
    return {
        "company": company,
        "hr": user,
        "employee": EmployeeFactory(company=company, full_name="Someone Elsewhere"),
        "scheme": BonusScheme.objects.create(company=company, name="Their secret scheme"),
        "table": band_table(company, [(0, 1)], name="Their secret bands"),
        "scenario": Scenario.objects.create(company=company, name="Their secret scenario", parameters={"months": 1}),
    }


def counts() -> tuple[int, int, int]:
    return Payout.objects.count(), PayrollRun.objects.count(), Scenario.objects.count()


# --- Test a scheme ----------------------------------------------------------------------


def test_hr_tests_the_employees_own_scheme_and_sees_the_previews_statement(demo):
    before = counts()
    page = signed_in("hr").get(TEST_SCHEME, {"employee": demo_a().pk, "period": "2026-11"})

    assert page.status_code == 200
    preview = payout_preview(employee=demo_a(), period=NOVEMBER)
    assert page.context["total"] == preview.total and page.context["bonus"] == preview.bonus
    html = page.content.decode()
    assert 'data-basis="trial"' in html and f"the scheme “{LEADS_CPL}”" in html
    assert 'data-testid="statement-total">₽45,000.00<' in html  # example A of the spec
    assert 'data-statement-factor="k1"' in html and "Leads" in html
    assert 'data-testid="test-compare"' not in html  # it is their own scheme
    assert "no-store" in page["Cache-Control"]  # a person's pay: no cache keeps it
    assert counts() == before


def test_hr_tests_another_scheme_and_sees_what_it_pays_against_their_own(demo):
    before = counts()
    page = signed_in("hr").get(TEST_SCHEME, {"employee": demo_a().pk, "period": "2026-11", "scheme": scheme(SCORECARD).pk})

    tested = payout_with_scheme(employee=demo_a(), period=NOVEMBER, scheme=scheme(SCORECARD))
    own = payout_preview(employee=demo_a(), period=NOVEMBER)
    assert page.status_code == 200 and page.context["total"] == tested.total != own.total
    html = page.content.decode()
    assert f"the scheme “{SCORECARD}”" in html and 'data-testid="test-compare"' in html
    assert page.context["own_difference"] == tested.total - own.total
    assert counts() == before


def test_the_form_lists_only_the_companys_people_and_schemes(demo, elsewhere):
    assert signed_in("hr").post(TEST_SCHEME).status_code == 405  # a read: nothing to post
    html = signed_in("hr").get(TEST_SCHEME).content.decode()
    assert "Alexei Seedov" in html and SCORECARD in html
    assert "Someone Elsewhere" not in html and "Their secret scheme" not in html


def test_another_companys_employee_or_scheme_is_not_found(demo, elsewhere):
    hr = signed_in("hr")
    assert hr.get(TEST_SCHEME, {"employee": elsewhere["employee"].pk, "period": "2026-11"}).status_code == 404
    assert hr.get(TEST_SCHEME, {"employee": demo_a().pk, "period": "2026-11", "scheme": elsewhere["scheme"].pk}).status_code == 404
    other_hr = Client()
    other_hr.force_login(elsewhere["hr"])
    assert other_hr.get(TEST_SCHEME, {"employee": demo_a().pk, "period": "2026-11"}).status_code == 404


def test_a_bad_month_or_no_scheme_is_a_clear_error_keeping_the_input(demo):
    hr = signed_in("hr")
    page = hr.get(TEST_SCHEME, {"employee": demo_a().pk, "period": "2026-13"})
    assert page.status_code == 400 and "Write the month as YYYY-MM" in page.content.decode()
    assert 'value="2026-13"' in page.content.decode()
    newcomer = EmployeeFactory(company=demo, full_name="Nobody Onscheme")
    page = hr.get(TEST_SCHEME, {"employee": newcomer.pk, "period": "2026-11"})
    assert page.status_code == 400 and "Nobody Onscheme has no bonus scheme in 2026-11" in page.content.decode()


# --- Scenarios --------------------------------------------------------------------------


def test_hr_runs_a_scenario_and_sees_paid_the_scenario_the_difference_and_the_chart(approved):
    before = counts()
    draft = {"run": "1", "months": "2", "scope": scheme(LEADS_CPL).pk, "scheme": scheme(SCORECARD).pk}
    page = signed_in("hr").get(SCENARIOS, draft)

    assert page.status_code == 200
    result = page.context["result"]
    on_it = Payout.objects.filter(run__in=approved, employee__scheme_assignments__scheme=scheme(LEADS_CPL))
    assert result.total.paid == sum(p.total for p in on_it)
    assert result.total.difference == result.total.scenario - result.total.paid != 0
    html = page.content.decode()
    assert 'data-testid="scenario-chart"' in html and html.count('class="scenario-chart__paid"') == 2
    assert html.count("<tr data-scenario-person=") == len({p.employee_id for p in on_it})
    assert 'data-scenario-month="2026-10"' in html and 'data-scenario-month="2026-11"' in html
    assert "no-store" in page["Cache-Control"]
    assert counts() == before


def test_the_same_scheme_gives_no_difference(approved):
    page = signed_in("hr").get(SCENARIOS, {"run": "1", "months": "2", "scope": scheme(LEADS_CPL).pk, "scheme": scheme(LEADS_CPL).pk})
    assert page.context["result"].total.difference == 0
    assert 'data-testid="scenario-difference">₽0.00<' in page.content.decode()


def test_changed_band_rows_are_echoed_as_understood_and_change_the_totals(approved):
    table = BandTable.objects.get(company=approved[0].company, name="Seed bands (0 / 80 / 100)")
    page = signed_in("hr").get(
        SCENARIOS, {"run": "1", "months": "2", "band_table": table.pk, "band_rows": "0;0\r\n80;0,8\r\n100;1"}
    )
    result = page.context["result"]
    assert result.parameters.band_points[1] == (Decimal(80), Decimal("0.8"))
    assert result.total.scenario > result.total.paid  # the middle band pays more
    assert "from 80.00% → 0.8" in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ({"months": "0"}, "Choose from 1 to 12 months."),
        ({"months": "2", "scheme": "999999"}, "Not one of the company&#x27;s bonus schemes."),
        ({"months": "2", "band_table": "TABLE", "band_rows": "0;0\n80;abc"}, "row 2: “abc” is not a number"),
    ],
    ids=["no-months", "unknown-scheme", "bad-row"],
)
def test_bad_input_is_a_clear_error_and_the_form_keeps_it(approved, typed, said):
    table = BandTable.objects.get(company=approved[0].company, name="Seed bands (0 / 80 / 100)")
    typed = {key: value.replace("TABLE", str(table.pk)) for key, value in typed.items()}
    page = signed_in("hr").get(SCENARIOS, {"run": "1", **typed})
    html = page.content.decode()
    assert page.status_code == 400 and said in html and "result" not in page.context
    if "band_rows" in typed:
        assert "80;abc</textarea>" in html


def test_a_company_without_an_approved_month_is_told_so(demo):
    page = signed_in("hr").get(SCENARIOS, {"run": "1", "months": "3"})
    assert page.status_code == 400 and "no approved payroll run yet" in page.content.decode()


def test_hr_saves_a_named_scenario_sees_it_listed_and_reopens_it_recomputed(approved):
    draft = {"months": "2", "scope": str(scheme(LEADS_CPL).pk), "scheme": str(scheme(SCORECARD).pk), "band_table": "", "band_rows": ""}
    hr = signed_in("hr")
    computed = hr.get(SCENARIOS, {"run": "1", **draft}).context["result"]

    saved = hr.post(SCENARIOS, {**draft, "name": "Everyone on the scorecard"})

    scenario = Scenario.objects.get(name="Everyone on the scorecard")
    assert saved.status_code == 302 and saved["Location"] == f"{SCENARIOS}?open={scenario.pk}"
    assert scenario.company == approved[0].company and scenario.created_by.username == "hr"
    assert scenario.totals["difference"] == str(computed.total.difference)
    listed = hr.get(SCENARIOS).content.decode()
    assert f'data-saved-scenario="{scenario.pk}"' in listed and "Everyone on the scorecard" in listed
    opened = hr.get(SCENARIOS, {"open": scenario.pk})
    assert opened.status_code == 200 and opened.context["result"].total.scenario == computed.total.scenario
    assert "Scenario “Everyone on the scorecard”" in opened.content.decode()
    again = hr.post(SCENARIOS, {**draft, "name": "Everyone on the scorecard"})
    assert again.status_code == 400 and "already has a scenario named" in again.content.decode()
    assert Scenario.objects.count() == 1


def test_scenarios_show_only_the_companys_schemes_tables_and_saved_ones(approved, elsewhere):
    hr = signed_in("hr")
    html = hr.get(SCENARIOS).content.decode()
    for secret in ("Their secret scheme", "Their secret bands", "Their secret scenario"):
        assert secret not in html
    assert hr.get(SCENARIOS, {"open": elsewhere["scenario"].pk}).status_code == 404
    page = hr.get(SCENARIOS, {"run": "1", "months": "2", "scheme": elsewhere["scheme"].pk})
    assert page.status_code == 400 and "Not one of the company&#x27;s bonus schemes." in page.content.decode()
    page = hr.post(SCENARIOS, {"months": "2", "band_table": elsewhere["table"].pk, "band_rows": "0;2", "name": "Sneaky"})
    assert page.status_code == 400 and not Scenario.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("username", ["marketer", "finance"])
def test_marketer_and_finance_are_refused(demo, username):
    client = signed_in(username)
    for url in (TEST_SCHEME, SCENARIOS):
        assert client.get(url).status_code == 403
        assert client.post(url, {"months": "1", "name": "x"}).status_code == 403
    assert not Scenario.objects.exists()


def test_anonymous_is_sent_to_sign_in(demo):
    client = Client()
    for url in (TEST_SCHEME, SCENARIOS):
        for response in (client.get(url), client.post(url, {"months": "1", "name": "x"})):
            assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert not Scenario.objects.exists()


def test_the_hr_navigation_links_both_pages(demo):
    html = signed_in("hr").get(reverse("portal:people")).content.decode()
    nav = html[html.index('<nav class="nav"') : html.index("</nav>")]
    assert f'href="{TEST_SCHEME}"' in nav and f'href="{SCENARIOS}"' in nav
    assert nav.index("Test a scheme") < nav.index("Scenarios")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Сценарии", "Её строки: нижняя граница, %; коэффициент", "Сравнено выплат", "Пробный расчёт — "]),
        ("uz", ["Ssenariylar", "Uning qatorlari: quyi chegara, %; koeffitsiyent", "Solishtirilgan toʻlovlar", "Sinov hisobi"]),
    ],
)
def test_both_pages_read_in_russian_and_uzbek(approved, settings, language, words):
    hr = signed_in("hr")
    hr.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    try:
        scenario = hr.get(SCENARIOS, {"run": "1", "months": "2"}).content.decode()
        tested = hr.get(TEST_SCHEME, {"employee": demo_a().pk, "period": "2026-11", "scheme": scheme(SCORECARD).pk})
        refused = hr.get(SCENARIOS, {"run": "1", "months": "0"}).content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the pages leave theirs active in this thread
    for word in words:
        assert word in scenario + tested.content.decode(), word
    assert "Choose from 1 to 12 months." not in refused and 'id="sc-months-error"' in refused


# --- a KPI set's weights changed -------------------------------------------------------


def stage_set(company):
    from kpis.models import KpiSet

    return KpiSet.objects.get(company=company, stage=2, is_active=True)


def set_items(kpi_set) -> list:
    return list(kpi_set.items.select_related("kpi").order_by("id"))


def weights_form(kpi_set, weights: list[str]) -> dict[str, str]:
    """The form's fields for `kpi_set` with these weights, row by row."""
    return {"kpi_set": str(kpi_set.pk)} | {
        f"weight-{kpi_set.pk}-{item.kpi_id}": weight for item, weight in zip(set_items(kpi_set), weights, strict=True)
    }


def moved_weights(kpi_set) -> list[str]:
    """Five hundredths from the first KPI to the second, typed with a comma."""
    weights = [item.weight for item in set_items(kpi_set)]
    weights[0] -= Decimal("0.05")
    weights[1] += Decimal("0.05")
    return [f"{weight.normalize():f}".replace(".", ",") for weight in weights]


def kpi_counts() -> tuple:
    from kpis.models import KpiSet, KpiSetItem

    return (
        KpiSet.objects.count(),
        sorted(KpiSetItem.objects.values_list("pk", "weight")),
        *counts(),
        list(approved_company_versions()),
    )


def approved_company_versions():
    from organizations.models import Company

    return Company.objects.order_by("pk").values_list("config_version", flat=True)


def test_the_form_lists_the_companys_kpi_sets_with_names_and_todays_weights(approved, elsewhere):
    from kpis.models import KpiSet

    KpiSet.objects.create(company=elsewhere["company"], stage=2, name="Their secret set")
    kpi_set = stage_set(approved[0].company)
    html = signed_in("hr").get(SCENARIOS).content.decode()
    assert f'<option value="{kpi_set.pk}">{kpi_set.name} (stage 2)' in html
    assert "Their secret set" not in html
    fieldset = html[html.index(f'data-weights-for="{kpi_set.pk}"') :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    for item in set_items(kpi_set):
        assert f'name="weight-{kpi_set.pk}-{item.kpi_id}" value="{item.weight.normalize():f}"' in fieldset
        assert item.kpi.name in fieldset


def test_the_sets_own_weights_give_no_difference(approved):
    kpi_set = stage_set(approved[0].company)
    typed = weights_form(kpi_set, [f"{item.weight}" for item in set_items(kpi_set)])
    page = signed_in("hr").get(SCENARIOS, {"run": "1", "months": "2", **typed})
    assert page.status_code == 200 and page.context["result"].total.difference == 0
    assert 'data-testid="understood-weights"' in page.content.decode()


def test_changed_weights_are_echoed_as_understood_change_the_totals_and_write_nothing(approved):
    kpi_set = stage_set(approved[0].company)
    before = kpi_counts()
    typed = weights_form(kpi_set, moved_weights(kpi_set))
    page = signed_in("hr").get(SCENARIOS, {"run": "1", "months": "2", **typed})

    assert page.status_code == 200
    result = page.context["result"]
    assert result.parameters.kpi_set == kpi_set
    assert [weight for _pk, weight in result.parameters.kpi_weights][:2] == [
        set_items(kpi_set)[0].weight - Decimal("0.05"), set_items(kpi_set)[1].weight + Decimal("0.05")
    ]  # fmt: skip
    assert result.total.difference != 0
    html = page.content.decode()
    understood = html[html.index('data-testid="understood-weights"') :]
    assert set_items(kpi_set)[0].kpi.name in understood[: understood.index("</p>")]
    for name, value in typed.items():  # the save form carries the typed weights
        assert f'type="hidden" name="{name}" value="{value}"' in html
    assert kpi_counts() == before


@pytest.mark.parametrize(
    ("change", "row", "said"),
    [
        ("sum-0.9", None, "weights sum to 0.9, they must sum to 1"),
        ("missing", 2, "row 2: the weight is missing"),
        ("five-places", 1, "row 1: "),
    ],
)
def test_bad_weights_are_a_clear_error_by_row_and_the_form_keeps_them(approved, change, row, said):
    kpi_set = stage_set(approved[0].company)
    weights = [f"{item.weight.normalize():f}" for item in set_items(kpi_set)]
    if change == "sum-0.9":
        weights[0] = f"{Decimal(weights[0]) - Decimal('0.1'):f}"
    elif change == "missing":
        weights[1] = ""
    else:
        weights[0] = "0,12345"
    before = kpi_counts()
    hr = signed_in("hr")
    page = hr.get(SCENARIOS, {"run": "1", "months": "2", **weights_form(kpi_set, weights)})
    html = page.content.decode()
    assert page.status_code == 400 and said in html and "result" not in page.context
    fieldset = html[html.index(f'data-weights-for="{kpi_set.pk}"') :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    assert "hidden" not in fieldset[: fieldset.index(">")]  # the chosen set stays open
    if row is not None:
        field = f"weight-{kpi_set.pk}-{set_items(kpi_set)[row - 1].kpi_id}"
        assert f'name="{field}" value="{weights[row - 1]}"' in fieldset
        assert f'aria-describedby="sc-{field}-error"' in fieldset
    saved = hr.post(SCENARIOS, {"months": "2", **weights_form(kpi_set, weights), "name": "Bad weights"})
    assert saved.status_code == 400 and not Scenario.objects.filter(name="Bad weights").exists()
    assert kpi_counts() == before


def test_another_companys_kpi_set_is_refused(approved, elsewhere):
    from kpis.models import Kpi, KpiSet, KpiSetItem

    theirs = KpiSet.objects.create(company=elsewhere["company"], stage=2, name="Their secret set")
    kpi = Kpi.objects.filter(company=None).first()
    KpiSetItem.objects.create(kpi_set=theirs, kpi=kpi, weight=Decimal(1))
    typed = {"kpi_set": str(theirs.pk), f"weight-{theirs.pk}-{kpi.pk}": "1"}
    hr = signed_in("hr")
    page = hr.get(SCENARIOS, {"run": "1", "months": "2", **typed})
    assert page.status_code == 400 and "Not one of the company&#x27;s KPI sets." in page.content.decode()
    assert "Their secret set" not in page.content.decode()
    page = hr.post(SCENARIOS, {"months": "2", **typed, "name": "Sneaky set"})
    assert page.status_code == 400 and not Scenario.objects.filter(name="Sneaky set").exists()
    # and their HR cannot open our saved weights scenario
    ours = stage_set(approved[0].company)
    hr.post(SCENARIOS, {"months": "2", **weights_form(ours, moved_weights(ours)), "name": "Ours"})
    scenario = Scenario.objects.get(name="Ours")
    theirs_client = Client()
    theirs_client.force_login(elsewhere["hr"])
    assert theirs_client.get(SCENARIOS, {"open": scenario.pk}).status_code == 404


@pytest.mark.parametrize("username", ["marketer", "finance"])
def test_marketer_and_finance_are_refused_the_weights(approved, username):
    kpi_set = stage_set(approved[0].company)
    typed = weights_form(kpi_set, moved_weights(kpi_set))
    client = signed_in(username)
    assert client.get(SCENARIOS, {"run": "1", "months": "2", **typed}).status_code == 403
    assert client.post(SCENARIOS, {"months": "2", **typed, "name": "x"}).status_code == 403
    anonymous = Client().post(SCENARIOS, {"months": "2", **typed, "name": "x"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("portal:login"))
    assert not Scenario.objects.exists()


def test_a_saved_weights_scenario_reopens_with_the_weights_typed(approved):
    kpi_set = stage_set(approved[0].company)
    typed = weights_form(kpi_set, moved_weights(kpi_set))
    hr = signed_in("hr")
    computed = hr.get(SCENARIOS, {"run": "1", "months": "2", **typed}).context["result"]

    saved = hr.post(SCENARIOS, {"months": "2", **typed, "name": "Lighter first KPI"})

    scenario = Scenario.objects.get(name="Lighter first KPI")
    assert saved.status_code == 302 and scenario.parameters["kpi_set"] == kpi_set.pk
    opened = hr.get(SCENARIOS, {"open": scenario.pk})
    assert opened.status_code == 200 and opened.context["result"].total.scenario == computed.total.scenario
    html = opened.content.decode()
    assert f'<option value="{kpi_set.pk}" selected>' in html
    first = set_items(kpi_set)[0]
    assert f'name="weight-{kpi_set.pk}-{first.kpi_id}" value="{Decimal(typed[f"weight-{kpi_set.pk}-{first.kpi_id}"].replace(",", ".")):f}"' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Изменить веса набора KPI (необязательно)", "Вес в сценарии", "строка 2: ", "Это не набор KPI вашей компании."]),
        ("uz", ["KPI toʻplami vaznlarini oʻzgartirish (ixtiyoriy)", "Ssenariydagi vazn", "2-qator", "Bu kompaniyangizning KPI toʻplami emas."]),
    ],
)
def test_the_weights_read_in_russian_and_uzbek(approved, settings, language, words):
    kpi_set = stage_set(approved[0].company)
    weights = [f"{item.weight}" for item in set_items(kpi_set)]
    weights[1] = ""
    hr = signed_in("hr")
    hr.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    try:
        missing = hr.get(SCENARIOS, {"run": "1", "months": "2", **weights_form(kpi_set, weights)}).content.decode()
        unknown = hr.get(SCENARIOS, {"run": "1", "months": "2", "kpi_set": "999999"}).content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)
    for word in words:
        assert word in missing + unknown, word
    assert "the weight is missing" not in missing
