"""Named scenarios (issue 14): a scenario HR keeps, to open and compute again later."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from organizations.models import Company
from payroll.models import Scenario
from payroll.scenarios import ScenarioResult

SCENARIO_NAME_MISSING = "scenario_name_missing"
SCENARIO_NAME_TAKEN = "scenario_name_taken"
SCENARIO_MESSAGES = {
    SCENARIO_NAME_MISSING: gettext_lazy("Give the scenario a name."),
    SCENARIO_NAME_TAKEN: gettext_lazy("The company already has a scenario named %(name)s."),
}


def scenario_save(*, company: Company, name: str, created_by, result: ScenarioResult) -> Scenario:
    """Keep a computed scenario under a name of its own within the company: its parameters and
    the totals it came to (ValidationError on `name` when it is empty or taken)."""
    name = (name or "").strip()
    max_length = Scenario._meta.get_field("name").max_length
    if not name:
        raise ValidationError({"name": [ValidationError(SCENARIO_MESSAGES[SCENARIO_NAME_MISSING], code=SCENARIO_NAME_MISSING)]})
    taken = ValidationError(
        {"name": [ValidationError(SCENARIO_MESSAGES[SCENARIO_NAME_TAKEN], code=SCENARIO_NAME_TAKEN, params={"name": f"“{name}”"})]}
    )
    if Scenario.objects.filter(company=company, name=name[:max_length]).exists():
        raise taken
    try:
        with transaction.atomic():
            return Scenario.objects.create(
                company=company,
                name=name[:max_length],
                created_by=created_by,
                parameters=result.parameters.as_json(),
                totals=result.totals_json(),
            )
    except IntegrityError:  # saved under the same name meanwhile
        raise taken from None
