"""Who changed what, when: each history page lists a change's fields as old → new, and a
parent's page lists the changes of its inline rows too."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import KpiSet, KpiSetItem
from tests.admin.conftest import inline

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text with tags dropped and spaces collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def employee_post(employee, salaries: list[dict]) -> dict:
    return {
        "company": employee.company_id,
        "personnel_number": employee.personnel_number,
        "full_name": employee.full_name,
        "position": employee.position,
        "hire_date": employee.hire_date.isoformat(),
        "termination_date": "",
        "user": "",
        **inline("salary_agreements", salaries, initial=len(salaries)),
        **inline("scheme_assignments", []),
    }


def test_editing_a_salary_shows_who_and_the_old_and_new_amount(admin_client, admin_user, employee, salary):
    row = {"id": salary.pk, "effective_from": "2026-01-01", "monthly_amount": "33000.00"}

    saved = admin_client.post(
        reverse("admin:organizations_employee_change", args=[employee.pk]), employee_post(employee, [row])
    )
    page = admin_client.get(reverse("admin:organizations_employee_history", args=[employee.pk]))

    assert saved.status_code == 302
    change = salary.history.latest("history_date")
    assert change.history_type == "~"
    assert change.history_user == admin_user
    assert change.prev_record.monthly_amount == Decimal("30000.00")
    assert f"Changed {admin_user.username} Monthly amount: 30000.00 → 33000.00" in text(page)


def test_a_change_to_the_employee_shows_its_fields(admin_client, admin_user, employee):
    data = {**employee_post(employee, []), "position": "Senior marketer"}

    admin_client.post(reverse("admin:organizations_employee_change", args=[employee.pk]), data)
    page = admin_client.get(reverse("admin:organizations_employee_history", args=[employee.pk]))

    assert "Position: Marketer → Senior marketer" in text(page)
    assert admin_user.username in text(page)


def test_a_kpi_set_history_lists_its_items_changes(admin_client, admin_user, company, catalogue):
    kpi_set = KpiSet.objects.create(company=company, stage=2, name="Ours")
    item = KpiSetItem.objects.create(kpi_set=kpi_set, kpi=catalogue["leads"], weight=Decimal(1))
    rows = [
        {"id": item.pk, "kpi": catalogue["leads"].pk, "weight": "0.6"},
        {"kpi": catalogue["cpl"].pk, "weight": "0.4"},
    ]
    data = {"company": company.pk, "stage": 2, "name": "Ours", "cap_pct": "150", **inline("items", rows, initial=1)}

    admin_client.post(reverse("admin:kpis_kpiset_change", args=[kpi_set.pk]), data)
    page = text(admin_client.get(reverse("admin:kpis_kpiset_history", args=[kpi_set.pk])))

    assert "Kpi set items: changes" in page
    assert f"leads × 0.6000 Changed {admin_user.username} Weight: 1.0000 → 0.6000" in page
    assert f"cpl × 0.4000 Created {admin_user.username}" in page
