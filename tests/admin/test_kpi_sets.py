"""KPI sets in the admin: the whole set is checked through the engine's rule (spec §4), each
problem shown on its row or above the rows, and nothing is saved until the set is valid."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import KpiSet, KpiSetItem
from tests.admin.conftest import inline, inline_errors, non_form_errors

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:kpis_kpiset_add")
CHANGELIST_URL = reverse("admin:kpis_kpiset_changelist")


def kpi_set_post(company, rows, *, cap="150", name="Stage 2 · ours", initial=0) -> dict:
    return {"company": company.pk, "stage": 2, "name": name, "cap_pct": cap, **inline("items", rows, initial=initial)}


def test_weights_that_do_not_sum_to_one_are_refused_and_nothing_is_saved(admin_client, company, catalogue):
    rows = [{"kpi": catalogue["leads"].pk, "weight": "0.5"}, {"kpi": catalogue["cpl"].pk, "weight": "0.45"}]

    response = admin_client.post(ADD_URL, kpi_set_post(company, rows))

    assert response.status_code == 200
    assert non_form_errors(response) == ["weights sum to 0.95, they must sum to 1"]
    assert "weights sum to 0.95, they must sum to 1" in response.content.decode()
    assert not KpiSet.objects.filter(company=company).exists()
    assert not KpiSetItem.objects.filter(kpi_set__company=company).exists()


def test_a_duplicate_kpi_is_shown_on_its_row(admin_client, company, catalogue):
    rows = [
        {"kpi": catalogue["leads"].pk, "weight": "0.5"},
        {"kpi": catalogue["cpl"].pk, "weight": "0.25"},
        {"kpi": catalogue["leads"].pk, "weight": "0.25"},
    ]

    response = admin_client.post(ADD_URL, kpi_set_post(company, rows))

    assert inline_errors(response) == [
        {},
        {},
        {"kpi": ["row 3: KPI 'leads' is already in row 1; a KPI appears once"]},
    ]
    assert non_form_errors(response) == []
    assert not KpiSet.objects.filter(company=company).exists()


def test_rows_are_numbered_without_the_deleted_and_blank_ones(admin_client, company, catalogue):
    rows = [
        {"kpi": catalogue["leads"].pk, "weight": "0.5", "DELETE": "on"},
        {"kpi": "", "weight": ""},
        {"kpi": catalogue["cpl"].pk, "weight": "0.6"},
        {"kpi": catalogue["cr"].pk, "weight": "1.5"},
    ]

    response = admin_client.post(ADD_URL, kpi_set_post(company, rows))

    errors = inline_errors(response)
    assert errors[3] == {"weight": ["row 2: the weight is 1.5, it must be above 0 and at most 1"]}
    assert errors[:3] == [{}, {}, {}]
    assert non_form_errors(response) == ["weights sum to 2.1, they must sum to 1"]


def test_the_cap_comes_from_the_set_being_saved(admin_client, company, catalogue):
    rows = [{"kpi": catalogue["leads"].pk, "weight": "1"}]

    response = admin_client.post(ADD_URL, kpi_set_post(company, rows, cap="90"))

    assert "the cap is 90 %, it must be at least 100 %" in non_form_errors(response)
    assert not KpiSet.objects.filter(company=company).exists()


def test_an_empty_set_is_refused(admin_client, company):
    response = admin_client.post(ADD_URL, kpi_set_post(company, []))

    assert non_form_errors(response) == ["a KPI set needs at least one KPI"]


def test_a_valid_set_is_saved_with_its_items(admin_client, company, catalogue):
    rows = [
        {"kpi": catalogue["leads"].pk, "weight": "0.3"},
        {"kpi": catalogue["cpl"].pk, "weight": "0.3"},
        {"kpi": catalogue["cr"].pk, "weight": "0.4"},
    ]

    response = admin_client.post(ADD_URL, kpi_set_post(company, rows))

    assert response.status_code == 302
    kpi_set = KpiSet.objects.get(company=company)
    assert [(item.kpi.code, item.weight) for item in kpi_set.items.order_by("id")] == [
        ("leads", Decimal("0.3")),
        ("cpl", Decimal("0.3")),
        ("cr", Decimal("0.4")),
    ]
    assert not kpi_set.is_active


def test_two_kpis_can_trade_rows_in_one_edit(admin_client, company, catalogue):
    kpi_set = KpiSet.objects.create(company=company, stage=2, name="Ours")
    first = KpiSetItem.objects.create(kpi_set=kpi_set, kpi=catalogue["leads"], weight=Decimal("0.6"))
    second = KpiSetItem.objects.create(kpi_set=kpi_set, kpi=catalogue["cpl"], weight=Decimal("0.4"))
    rows = [
        {"id": first.pk, "kpi": catalogue["cpl"].pk, "weight": "0.6"},
        {"id": second.pk, "kpi": catalogue["leads"].pk, "weight": "0.4"},
    ]

    response = admin_client.post(
        reverse("admin:kpis_kpiset_change", args=[kpi_set.pk]), kpi_set_post(company, rows, name="Ours", initial=2)
    )

    assert response.status_code == 302
    assert {(item.kpi.code, item.weight) for item in kpi_set.items.all()} == {
        ("cpl", Decimal("0.6")),
        ("leads", Decimal("0.4")),
    }


def test_the_saved_sum_of_weights_is_a_column(admin_client, company, catalogue):
    kpi_set = KpiSet.objects.create(company=company, stage=2, name="Half done")
    KpiSetItem.objects.create(kpi_set=kpi_set, kpi=catalogue["leads"], weight=Decimal("0.95"))

    response = admin_client.get(CHANGELIST_URL, {"company__id__exact": company.pk})

    assert "0.95 (must be 1)" in response.content.decode()


def test_activate_makes_the_set_the_one_active_for_its_stage(admin_client, company, catalogue):
    old = KpiSet.objects.create(company=company, stage=2, name="Old", is_active=True)
    new = KpiSet.objects.create(company=company, stage=2, name="New")

    response = admin_client.post(CHANGELIST_URL, {"action": "activate", "_selected_action": [new.pk]}, follow=True)

    assert response.status_code == 200
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.is_active and not old.is_active


def test_copy_preset_asks_for_the_company_then_copies(admin_client, company):
    preset = KpiSet.objects.get(company=None, name__startswith="Stage 2 · variant 1")
    KpiSet.objects.create(company=company, stage=2, name="Active now", is_active=True)
    chosen = {"action": "copy_preset", "_selected_action": [preset.pk]}

    form_page = admin_client.post(CHANGELIST_URL, chosen)
    done = admin_client.post(CHANGELIST_URL, {**chosen, "apply": "1", "company": company.pk, "activate": "on"})

    assert form_page.status_code == 200
    assert "Copy presets into a company" in form_page.content.decode()
    assert done.status_code == 302
    copy = KpiSet.objects.get(company=company, name=preset.name)
    assert copy.is_active
    assert not KpiSet.objects.get(company=company, name="Active now").is_active
    assert sorted((i.kpi_id, i.weight) for i in copy.items.all()) == sorted(
        (i.kpi_id, i.weight) for i in preset.items.all()
    )


def test_copying_a_preset_twice_reports_the_clash(admin_client, company):
    preset = KpiSet.objects.get(company=None, name="Stage 3 · A")
    chosen = {"action": "copy_preset", "_selected_action": [preset.pk], "apply": "1", "company": company.pk}

    admin_client.post(CHANGELIST_URL, chosen)
    response = admin_client.post(CHANGELIST_URL, chosen, follow=True)

    assert "Stage 3 · A: not copied" in response.content.decode()
    assert KpiSet.objects.filter(company=company, name="Stage 3 · A").count() == 1
