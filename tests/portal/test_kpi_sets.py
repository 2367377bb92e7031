"""HR's KPI sets page (issue 14, item 1, "KPI sets per stage"): the company's sets by stage,
a set created and edited on one page (weights as "0,5" or "0.5", the domain's refusals
shown by row with the input kept), one-button activation, presets copied, the stage
history; and only HR of the company reaches any of it."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client, TestCase
from django.urls import reverse

from engine import Period
from kpis.models import Kpi, KpiSet
from kpis.services import kpi_set_save
from organizations.models import CompanyStage
from tests.factories import CompanyFactory, catalogue_kpi

pytestmark = pytest.mark.django_db
STAGE_KPIS = ("awareness", "new_client_share", "repeat_requests", "purchase_frequency_growth", "avg_check_growth")


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def kpi_id(code: str) -> str:
    return str(catalogue_kpi(code).pk)


def set_form(name: str, stage: int, cap: str, rows: list[tuple[str, str]]) -> dict[str, str]:
    data = {"name": name, "stage": str(stage), "cap_pct": cap}
    for number, (code, weight) in enumerate(rows):
        data[f"kpi-{number}"] = kpi_id(code) if code else ""
        data[f"weight-{number}"] = weight
    return data


@pytest.fixture
def stranger_set() -> KpiSet:
    """A set of another company."""
    kpi_set = KpiSet(company=CompanyFactory(), stage=2, name="Theirs")
    return kpi_set_save(kpi_set=kpi_set, items=[(catalogue_kpi("leads"), Decimal(1))])


def test_hr_sees_the_companys_sets_by_stage_with_names_weights_and_the_active_one(demo, stranger_set):
    active = KpiSet.objects.get(company=demo, is_active=True)

    html = signed_in("hr").get(reverse("portal:kpi_sets")).content.decode()

    stage_2 = html[html.index('data-testid="stage-2"') : html.index('data-testid="stage-3"')]
    card = stage_2[stage_2.index(f'data-kpi-set="{active.pk}"') :].split("</article>")[0]
    assert active.name in card and 'data-testid="active"' in card
    assert "Repeat requests (stage KPI 3)" in card and ">repeat_requests<" in card  # the name, the code as a hint
    assert "0.4" in card and "Sum of weights" in card and "150.00%" in card
    assert f"kpi-sets/{active.pk}/activate/" not in card  # the active one has no Activate button
    presets = html[html.index('data-testid="presets"') :]
    for preset in KpiSet.objects.filter(company=None):
        assert preset.name in presets and reverse("portal:kpi_set_copy", args=[preset.pk]) in presets
    assert "Theirs" not in html
    assert f'href="{reverse("portal:kpi_sets")}"' in html  # the HR nav links the page
    stages = html[html.index('data-testid="stages"') :]
    assert 'data-stage-from="2026-01-01"' in stages


def test_hr_creates_a_set_with_weights_written_with_a_comma(demo):
    data = set_form("Stage 3 · ours", 3, "120,5", [(code, weight) for code, weight in zip(STAGE_KPIS, ["0,2", "0.2", "0,1", "0,3", "0,2"], strict=True)])

    response = signed_in("hr").post(reverse("portal:kpi_set_create"), data, follow=True)

    created = KpiSet.objects.get(company=demo, name="Stage 3 · ours")
    assert created.stage == 3 and created.cap_pct == Decimal("120.5") and not created.is_active
    assert [(item.kpi.code, item.weight) for item in created.items.order_by("id")] == [
        ("awareness", Decimal("0.2")),
        ("new_client_share", Decimal("0.2")),
        ("repeat_requests", Decimal("0.1")),
        ("purchase_frequency_growth", Decimal("0.3")),
        ("avg_check_growth", Decimal("0.2")),
    ]
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("#stage-3")
    assert "is saved: Awareness (stage KPI 1) 0.2, Share of new clients (stage KPI 2) 0.2" in html  # what was understood


def test_a_sum_not_1_is_refused_saying_the_sum_and_keeping_the_input(demo):
    sets = KpiSet.objects.count()
    data = set_form("Short", 2, "150", [("leads", "0,5"), ("cpl", "0,3")])

    response = signed_in("hr").post(reverse("portal:kpi_set_create"), data)

    assert response.status_code == 400 and KpiSet.objects.count() == sets
    html = response.content.decode()
    errors = html[html.index('data-testid="form-errors"') :].split("</div>")[0]
    assert "weights sum to 0.8, they must sum to 1" in errors
    assert "Sum of weights: 0.8 (must be 1)" in html  # said without the script too
    assert 'value="Short"' in html and 'value="0,5"' in html and 'value="0,3"' in html
    assert f'<option value="{kpi_id("cpl")}" selected>' in html


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ([("leads", "0,5"), ("leads", "0,5")], "Row 2 · Leads: KPI &#x27;leads&#x27; is already in row 1"),
        ([("leads", "1"), ("cpl", "")], "Row 2 · Cost per lead: the weight is missing"),
        ([("leads", "0,5"), ("cpl", "half")], "Row 2 · Cost per lead: &#x27;half&#x27; is not a number"),
        ([("leads", "0,5"), ("cpl", "0,00001")], "Row 2 · Cost per lead: &#x27;0,00001&#x27; has too many decimal places: at most 4"),
        ([("leads", "0,5"), ("", "0,5")], "Row 2: the KPI is missing"),
    ],
    ids=["duplicate", "weight-missing", "not-a-number", "too-precise", "kpi-missing"],
)
def test_a_bad_row_is_named_and_nothing_is_saved(demo, rows, said):
    sets = KpiSet.objects.count()

    response = signed_in("hr").post(reverse("portal:kpi_set_create"), set_form("Bad", 2, "150", rows))

    assert response.status_code == 400 and KpiSet.objects.count() == sets
    assert said in response.content.decode()


@pytest.mark.parametrize(
    ("name", "cap", "said"),
    [
        ("", "150", "Name: This field cannot be blank."),
        ("Low cap", "90", "Cap per KPI: the cap is 90 %, it must be at least 100 %"),
        ("No cap", "", "Cap per KPI: the cap is missing"),
        ("Odd cap", "1,5,0", "Cap per KPI: &#x27;1,5,0&#x27; is not a number"),
    ],
    ids=["no-name", "cap-below-100", "no-cap", "cap-not-a-number"],
)
def test_a_bad_name_or_cap_is_named_and_nothing_is_saved(demo, name, cap, said):
    sets = KpiSet.objects.count()
    response = signed_in("hr").post(reverse("portal:kpi_set_create"), set_form(name, 2, cap, [("leads", "1")]))
    assert response.status_code == 400 and KpiSet.objects.count() == sets
    html = response.content.decode()
    assert said in html and f'value="{cap}"' in html


def test_a_kpi_of_another_company_is_not_a_choice(demo):
    theirs = Kpi.objects.create(company=CompanyFactory(), code="their_leads", name="Their leads", measure=catalogue_kpi("leads").measure)
    data = set_form("Sneaky", 2, "150", [("leads", "0,5")])
    data.update({"kpi-1": str(theirs.pk), "weight-1": "0,5"})

    response = signed_in("hr").post(reverse("portal:kpi_set_create"), data)

    assert response.status_code == 400 and "Row 2: choose a KPI from the list" in response.content.decode()
    assert not KpiSet.objects.filter(name="Sneaky").exists()
    assert "Their leads" not in signed_in("hr").get(reverse("portal:kpi_set_create")).content.decode()


def test_hr_edits_a_set_in_place(demo):
    kpi_set = KpiSet.objects.get(company=demo, is_active=True)
    page = signed_in("hr").get(reverse("portal:kpi_set", args=[kpi_set.pk])).content.decode()
    assert f'value="{kpi_set.name}"' in page and "Sum of weights: 1.0 — OK" in page

    refused = signed_in("hr").post(reverse("portal:kpi_set", args=[kpi_set.pk]), set_form("Renamed", 2, "150", [("cpl", "0,9")]))
    assert refused.status_code == 400 and f"<h1>{kpi_set.name}</h1>" in refused.content.decode()  # the saved name heads it
    assert 'value="Renamed"' in refused.content.decode()

    data = set_form(kpi_set.name, 2, "150", [("awareness", "0.5"), ("repeat_requests", "0,5")])
    signed_in("hr").post(reverse("portal:kpi_set", args=[kpi_set.pk]), data)

    kpi_set.refresh_from_db()
    assert kpi_set.is_active
    assert sorted((item.kpi.code, item.weight) for item in kpi_set.items.all()) == [
        ("awareness", Decimal("0.5")),
        ("repeat_requests", Decimal("0.5")),
    ]


def test_a_second_set_with_the_same_name_and_stage_is_refused_by_name(demo):
    kpi_set = KpiSet.objects.get(company=demo, is_active=True)
    response = signed_in("hr").post(reverse("portal:kpi_set_create"), set_form(kpi_set.name, 2, "150", [("leads", "1")]))
    assert response.status_code == 400
    assert "the company already has a stage 2 set with this name" in response.content.decode()


def test_activate_makes_the_variant_the_one_active_set_of_its_stage(demo):
    before = KpiSet.objects.get(company=demo, stage=2, is_active=True)
    variant = kpi_set_save(kpi_set=KpiSet(company=demo, stage=2, name="Variant"), items=[(catalogue_kpi("leads"), Decimal(1))])

    response = signed_in("hr").post(reverse("portal:kpi_set_activate", args=[variant.pk]), follow=True)

    assert "“Variant” is now the active set of stage 2." in response.content.decode()
    assert list(KpiSet.objects.filter(company=demo, stage=2, is_active=True)) == [variant]
    before.refresh_from_db()
    assert not before.is_active


@pytest.mark.parametrize("activate", [False, True], ids=["copy", "copy-and-activate"])
def test_a_preset_is_copied_into_the_company(demo, activate):
    preset = KpiSet.objects.get(company=None, name__startswith="Stage 3 · A")
    data = {"activate": "1"} if activate else {}

    response = signed_in("hr").post(reverse("portal:kpi_set_copy", args=[preset.pk]), data, follow=True)

    copy = KpiSet.objects.get(company=demo, stage=3, name=preset.name)
    assert copy.is_active is activate
    assert sorted((i.kpi_id, i.weight) for i in copy.items.all()) == sorted((i.kpi_id, i.weight) for i in preset.items.all())
    assert "is copied into the company" in response.content.decode()
    again = signed_in("hr").post(reverse("portal:kpi_set_copy", args=[preset.pk]), follow=True).content.decode()
    assert "is already among the company&#x27;s sets of stage 3" in again
    assert KpiSet.objects.filter(company=demo, name=preset.name).count() == 1


def test_hr_sets_the_stage_from_a_date(demo):
    response = signed_in("hr").post(reverse("portal:company_stage_set"), {"stage": "3", "effective_from": "2027-01-01"}, follow=True)

    assert CompanyStage.objects.get(company=demo, effective_from=date(2027, 1, 1)).stage == 3
    html = response.content.decode()
    assert "From 2027-01-01 the company is at stage 3." in html and 'data-stage-from="2027-01-01"' in html


@pytest.mark.parametrize("data", [{"stage": "6", "effective_from": "2027-01-01"}, {"stage": "3", "effective_from": "01.01.2027"}])
def test_a_bad_stage_or_date_is_refused_saying_how(demo, data):
    stages = CompanyStage.objects.count()
    response = signed_in("hr").post(reverse("portal:company_stage_set"), data, follow=True)
    assert "Choose a stage from 1 to 5 and write the date as YYYY-MM-DD." in response.content.decode()
    assert CompanyStage.objects.count() == stages


def test_a_stage_reaching_an_approved_month_is_refused_with_the_reason(demo, eager_celery):
    from payroll.services import payroll_run_approve, payroll_run_start

    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=demo, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))

    response = signed_in("hr").post(reverse("portal:company_stage_set"), {"stage": "3", "effective_from": "2026-11-01"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "November 2026 was approved by Harry HR" in html and "record a correction" in html
    assert not CompanyStage.objects.filter(company=demo, effective_from=date(2026, 11, 1)).exists()


# --- who reaches it -------------------------------------------------------------------------


def _pages(demo_set: KpiSet, preset: KpiSet) -> list[tuple[str, str, dict]]:
    form = set_form("X", 2, "150", [("leads", "1")])
    return [
        ("get", reverse("portal:kpi_sets"), {}),
        ("get", reverse("portal:kpi_set_create"), {}),
        ("post", reverse("portal:kpi_set_create"), form),
        ("get", reverse("portal:kpi_set", args=[demo_set.pk]), {}),
        ("post", reverse("portal:kpi_set", args=[demo_set.pk]), form),
        ("post", reverse("portal:kpi_set_activate", args=[demo_set.pk]), {}),
        ("post", reverse("portal:kpi_set_copy", args=[preset.pk]), {}),
        ("post", reverse("portal:company_stage_set"), {"stage": "3", "effective_from": "2027-01-01"}),
    ]


@pytest.mark.parametrize("role", ["marketer", "finance"])
def test_marketer_and_finance_get_403_and_change_nothing(demo, role):
    demo_set = KpiSet.objects.get(company=demo, is_active=True)
    preset = KpiSet.objects.filter(company=None).first()
    sets, stages = KpiSet.objects.count(), CompanyStage.objects.count()
    client = signed_in(role)
    for method, url, data in _pages(demo_set, preset):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert (KpiSet.objects.count(), CompanyStage.objects.count()) == (sets, stages)
    assert demo_set.items.count() == 5


def test_anonymous_is_sent_to_sign_in(demo):
    demo_set = KpiSet.objects.get(company=demo, is_active=True)
    preset = KpiSet.objects.filter(company=None).first()
    sets = KpiSet.objects.count()
    for method, url, data in _pages(demo_set, preset):
        response = getattr(Client(), method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), (method, url)
    assert KpiSet.objects.count() == sets


def test_another_companys_set_and_a_preset_do_not_exist_for_hr(demo, stranger_set):
    hr = signed_in("hr")
    preset = KpiSet.objects.filter(company=None, stage=2).first()
    form = set_form("Taken over", 2, "150", [("cpl", "1")])
    for kpi_set in (stranger_set, preset):
        assert hr.get(reverse("portal:kpi_set", args=[kpi_set.pk])).status_code == 404
        assert hr.post(reverse("portal:kpi_set", args=[kpi_set.pk]), form).status_code == 404
        assert hr.post(reverse("portal:kpi_set_activate", args=[kpi_set.pk])).status_code == 404
    assert hr.post(reverse("portal:kpi_set_copy", args=[stranger_set.pk])).status_code == 404  # not a preset
    stranger_set.refresh_from_db()
    assert stranger_set.name == "Theirs" and not stranger_set.is_active
    assert [item.kpi.code for item in stranger_set.items.all()] == ["leads"]
    assert not KpiSet.objects.filter(name="Taken over").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Наборы KPI", "Этап 2", "Сумма весов", "Готовые наборы", "Скопировать в мою компанию", "Этап развития"]),
        ("uz", ["KPI toʻplamlari", "2-bosqich", "Vaznlar yigʻindisi", "Tayyor toʻplamlar", "Kompaniyamga nusxalash"]),
    ],
)
def test_the_pages_read_in_russian_and_uzbek(demo, language, words):
    hr = signed_in("hr")
    listing = hr.get(reverse("portal:kpi_sets"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in listing, word
    form = hr.post(reverse("portal:kpi_set_create"), set_form("Half", 2, "150", [("leads", "0,5")]), HTTP_ACCEPT_LANGUAGE=language)
    html = form.content.decode()
    assert ("Сумма весов: 0,5 (должна быть 1)" if language == "ru" else "Vaznlar yigʻindisi: 0,5 (1 boʻlishi kerak)") in html
    assert ("Строка 1: KPI" if language == "ru" else "1-qator: KPI") in html
    assert 'data-point=","' in html
