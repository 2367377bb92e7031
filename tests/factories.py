"""Model factories for tests that need a database."""

from datetime import date
from decimal import Decimal

import factory

from compensation import models as comp
from compensation.services import band_table_save
from kpis import models as kpis
from organizations import models as org


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.Employee

    company = factory.SubFactory(CompanyFactory)
    personnel_number = factory.Sequence(lambda n: f"E-{n:05d}")
    full_name = factory.Sequence(lambda n: f"Employee {n}")
    position = "Marketer"
    hire_date = date(2024, 1, 1)


class SalaryAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = comp.SalaryAgreement

    employee = factory.SubFactory(EmployeeFactory)
    effective_from = factory.SelfAttribute("employee.hire_date")
    monthly_amount = Decimal("30000.00")


def band_table(company, points, *, name="Bands", mode="step") -> comp.BandTable:
    table = comp.BandTable(company=company, name=name, mode=mode)
    return band_table_save(table=table, points=[(Decimal(str(a)), Decimal(str(b))) for a, b in points])


def catalogue_kpi(code: str) -> kpis.Kpi:
    return kpis.Kpi.objects.get(company=None, code=code)


def catalogue_measure(code: str) -> kpis.Measure:
    return kpis.Measure.objects.get(company=None, code=code)
