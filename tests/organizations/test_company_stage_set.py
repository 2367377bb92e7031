"""`organizations.services.company_stage_set`: the stage from a date, by the model's rules
and the closed-period rule (a run reads the stage in force on the month's last day)."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import TestCase

from compensation.demo import seed_demo
from compensation.selectors import company_stage
from core.periods import PeriodClosedError
from engine import Period
from organizations.models import CompanyStage
from organizations.services import company_stage_set
from payroll.services import payroll_run_approve, payroll_run_start
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_a_stage_from_a_date_is_added_and_the_same_date_changes_it():
    company = CompanyFactory()

    company_stage_set(company=company, stage=2, effective_from=date(2026, 1, 1))
    company_stage_set(company=company, stage=3, effective_from=date(2026, 6, 1))
    company_stage_set(company=company, stage=4, effective_from=date(2026, 6, 1))

    rows = list(CompanyStage.objects.filter(company=company).order_by("effective_from").values_list("effective_from", "stage"))
    assert rows == [(date(2026, 1, 1), 2), (date(2026, 6, 1), 4)]
    assert company_stage(company=company, period=Period(2026, 5)) == 2
    assert company_stage(company=company, period=Period(2026, 6)) == 4


@pytest.mark.parametrize("stage", [0, 6])
def test_a_stage_outside_1_to_5_is_refused(stage):
    company = CompanyFactory()
    with pytest.raises(ValidationError) as refused:
        company_stage_set(company=company, stage=stage, effective_from=date(2026, 1, 1))
    assert "stage" in refused.value.message_dict
    assert not CompanyStage.objects.filter(company=company).exists()


def test_a_stage_reaching_an_approved_month_is_refused_and_a_later_one_is_not(eager_celery):
    company = seed_demo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _ = payroll_run_start(company=company, period=Period(2026, 11), started_by=User.objects.get(username="hr"))
    run.refresh_from_db()
    payroll_run_approve(run=run, approved_by=User.objects.get(username="hr2"))
    before = list(CompanyStage.objects.filter(company=company).values_list("effective_from", "stage"))

    with pytest.raises(PeriodClosedError) as refused:
        company_stage_set(company=company, stage=3, effective_from=date(2026, 11, 30))  # November's last day

    assert "November 2026 was approved by" in refused.value.message
    assert list(CompanyStage.objects.filter(company=company).values_list("effective_from", "stage")) == before
    company_stage_set(company=company, stage=3, effective_from=date(2026, 12, 1))
    assert company_stage(company=company, period=Period(2026, 12)) == 3
