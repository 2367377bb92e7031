"""A company with three marketers, the catalogue's `leads` and `marketing_spend`, and
helpers that build events as a connector would."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from events.models import AttributionRule
from events.schema import EventIn, Parsed
from organizations.models import CompanyMembership
from tests.factories import CompanyFactory, EmployeeFactory


def lead(external_id: str, *, day: date = date(2026, 12, 3), status: str = "142", campaign: str = "", source: str = "amocrm", **more) -> EventIn:
    utm = {**more.pop("utm", {}), **({"campaign": campaign} if campaign else {})}
    return EventIn(source=source, external_id=external_id, kind="lead", occurred_at=day, status=status, utm=utm, **more)


def spend(campaign_id: str, amount: str, *, day: date = date(2026, 12, 3), name: str = "", source: str = "yandex-direct", **more) -> EventIn:
    return EventIn(
        source=source, external_id=f"{campaign_id}:{day}", kind="spend", occurred_at=day, amount=Decimal(amount),
        currency="RUB", campaign_id=campaign_id, campaign_name=name, **more,
    )


def parsed(*events: EventIn) -> Parsed:
    return Parsed(events=list(events))


@pytest.fixture
def company(db):
    return CompanyFactory(currency="RUB")


@pytest.fixture
def people(company):
    return {number: EmployeeFactory(company=company, personnel_number=number) for number in ("MK-1", "MK-2", "MK-3")}


@pytest.fixture
def prefix_rules(company):
    """The demo's rules: spend by the campaign name's prefix, leads by utm_campaign's."""
    AttributionRule.objects.create(company=company, priority=10, kind="spend", assign="number_prefix", number_from="campaign_name")
    AttributionRule.objects.create(company=company, priority=20, kind="lead", assign="number_prefix", number_from="utm_campaign")


def member(company, username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password="x")
    CompanyMembership.objects.create(user=user, company=company, role=role)
    return user
