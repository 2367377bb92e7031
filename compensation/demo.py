"""The demo data set. DEMO-A, DEMO-B and DEMO-C reproduce the spec's worked examples A, B
(step mode) and C (no holidays) in 2026-11; the other marketers are varied but
deterministic."""

import random
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from simple_history.utils import bulk_create_with_history

from compensation.models import BandTable, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from compensation.services import band_table_save, bonus_scheme_save
from kpis.models import Kpi, KpiSet, Measure, MeasureValue, Plan
from kpis.services import kpi_set_activate, kpi_set_copy_preset
from organizations.models import CalendarDay, Company, CompanyMembership, CompanyStage, Employee

DEMO_PASSWORD = "demo12345"
#: What the apps above this one add to the demo company (`register_demo_part`, from their
#: `apps.py`): each is called with the company at the end of `seed_demo`, and is idempotent.
DEMO_PARTS: list = []


def register_demo_part(part) -> None:
    """`part(company)` seeds an upper app's share of the demo (the events' attribution rules)."""
    if part not in DEMO_PARTS:
        DEMO_PARTS.append(part)

PERIODS = ("2026-10", "2026-11")
D = Decimal


def _sync(model, lookup: dict, values: dict):
    """Create, or update only what changed (so re-running adds no history rows)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.save(update_fields=changed)
    return obj


def _user(username: str, *, superuser: bool = False, name: str = "") -> User:
    """A demo login; only the superuser is staff (the admin is theirs, everyone else works in the portal)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_password(DEMO_PASSWORD)
    user.first_name = name
    user.is_staff = user.is_superuser = superuser
    user.save()
    return user


def _band_table(company: Company, name: str, points: list[tuple[str, str]], mode: str = "step") -> BandTable:
    table = BandTable.objects.filter(company=company, name=name).first() or BandTable(company=company, name=name)
    table.mode = mode
    wanted = [(D(lower), D(coefficient)) for lower, coefficient in points]
    if table.pk and [(p.lower_bound_pct, p.coefficient) for p in table.points.all()] == wanted:
        return table
    return band_table_save(table=table, points=wanted)


def _scheme(company: Company, name: str, share: str, factors: list[SchemeFactor]) -> BonusScheme:
    scheme = BonusScheme.objects.filter(company=company, name=name).first()
    if scheme is not None:
        return scheme
    scheme = BonusScheme(company=company, name=name, base_share=D(share))
    return bonus_scheme_save(scheme=scheme, factors=factors)


def _employee(company, number, name, position, hired, salaries, scheme, user=None) -> Employee:
    employee = _sync(
        Employee,
        {"company": company, "personnel_number": number},
        {"full_name": name, "position": position, "hire_date": hired, "termination_date": None, "user": user},
    )
    for effective_from, amount in salaries:
        _sync(SalaryAgreement, {"employee": employee, "effective_from": effective_from}, {"monthly_amount": D(amount)})
    _sync(SchemeAssignment, {"employee": employee, "effective_from": hired}, {"scheme": scheme})
    return employee


def _sync_many(model, keys: tuple[str, ...], rows: list[dict]) -> dict[tuple, object]:
    """Create the missing rows in bulk (with history) and update only the changed ones;
    `rows` use attribute names (`employee_id`), `keys` name the natural key."""
    scope = {f"{keys[0]}__in": {row[keys[0]] for row in rows}}
    existing = {tuple(getattr(obj, key) for key in keys): obj for obj in model.objects.filter(**scope)}
    missing = []
    for row in rows:
        obj = existing.get(tuple(row[key] for key in keys))
        if obj is None:
            missing.append(model(**row))
            continue
        changed = [field for field, value in row.items() if getattr(obj, field) != value]
        for field in changed:
            setattr(obj, field, row[field])
        if changed:
            obj.save(update_fields=[model._meta.get_field(f).name for f in changed])
    if missing:
        bulk_create_with_history(missing, model)
        existing.update({tuple(getattr(obj, key) for key in keys): obj for obj in model.objects.filter(**scope)})
    return existing


def _record(employee: Employee, period: str, plans: dict, measures: dict, kpis: dict, catalogue: dict) -> None:
    _record_many([(employee.pk, period, plans, measures)], kpis, catalogue)


def _record_many(records: list[tuple[int, str, dict, dict]], kpis: dict, catalogue: dict) -> None:
    """Plans and measure values of (employee id, period, plans, measures) rows, in bulk."""
    plan_rows = [
        {"employee_id": employee_id, "period": period, "kpi_id": kpis[code].pk, "value": D(value)}
        for employee_id, period, plans, _ in records
        for code, value in plans.items()
    ]
    measure_rows = [
        {"employee_id": employee_id, "period": period, "measure_id": catalogue[code].pk, "value": D(value)}
        for employee_id, period, _, measures in records
        for code, value in measures.items()
    ]
    if plan_rows:
        _sync_many(Plan, ("employee_id", "period", "kpi_id"), plan_rows)
    if measure_rows:
        _sync_many(MeasureValue, ("employee_id", "period", "measure_id"), measure_rows)


def seed_demo() -> Company:
    company = _sync(Company, {"slug": "demo"}, {"name": "Demo Marketing LLC", "currency": "RUB", "language": "ru"})
    _sync(CompanyStage, {"company": company, "effective_from": date(2026, 1, 1)}, {"stage": 2})
    for day in range(1, 9):  # New Year holidays 2027; November stays without holidays (example C)
        _sync(CalendarDay, {"company": company, "date": date(2027, 1, day)}, {"kind": "holiday", "name": "New Year"})

    _user("admin", superuser=True, name="Administrator")
    people = {
        "hr": _user("hr", name="Hanna HR"),
        "hr2": _user("hr2", name="Harry HR"),
        "finance": _user("finance", name="Fiona Finance"),
        "marketer": _user("marketer", name="Anna Marketer"),
    }
    roles = {"hr": "hr", "hr2": "hr", "finance": "finance", "marketer": "marketer"}
    for username, user in people.items():
        _sync(CompanyMembership, {"user": user}, {"company": company, "role": roles[username], "is_lead": username == "hr"})

    preset = KpiSet.objects.get(company=None, name__startswith="Stage 2 · variant 1")
    stage_set = KpiSet.objects.filter(company=company, stage=2, name=preset.name).first()
    if stage_set is None:
        stage_set = kpi_set_copy_preset(preset=preset, company=company, activate=True)
    elif not stage_set.is_active:
        kpi_set_activate(kpi_set=stage_set)

    kpis = {kpi.code: kpi for kpi in Kpi.objects.filter(company=None)}
    catalogue = {measure.code: measure for measure in Measure.objects.filter(company=None)}
    seed_bands = _band_table(company, "Seed bands (0 / 80 / 100)", [("0", "0"), ("80", "0.5"), ("100", "1")])
    score_bands = _band_table(
        company, "Scorecard bands", [("0", "0"), ("70", "0.5"), ("90", "0.8"), ("100", "1"), ("120", "1.3")]
    )
    leads_cpl = _scheme(
        company,
        "Leads × cost per lead",
        "1",
        [
            SchemeFactor(name="k1", position=1, input_kind="kpi", kpi=kpis["leads"], band_table=seed_bands),
            SchemeFactor(name="k2", position=2, input_kind="kpi", kpi=kpis["cpl"], band_table=seed_bands),
        ],
    )
    scorecard = _scheme(
        company,
        "Stage scorecard",
        "0.5",
        [SchemeFactor(name="k", input_kind="stage_kpi_set", band_table=score_bands)],
    )

    # Example A: the seeds' marketer.
    demo_a = _employee(
        company, "DEMO-A", "Alexei Seedov", "Marketer", date(2025, 1, 1), [(date(2025, 1, 1), "30000.00")], leads_cpl,
        user=people["marketer"],
    )
    _record(demo_a, "2026-10", {"leads": 180, "cpl": 520}, {"leads": 170, "marketing_spend": "93500.00"}, kpis, catalogue)
    _record(demo_a, "2026-11", {"leads": 200, "cpl": 500}, {"leads": 200, "marketing_spend": "111111.00"}, kpis, catalogue)

    # Example B: a stage-2 scorecard with fulfillments 120, 90, 100, 80, 200.
    demo_b = _employee(
        company, "DEMO-B", "Boris Scorecard", "Senior marketer", date(2024, 3, 1), [(date(2024, 3, 1), "40000.00")], scorecard
    )
    _record(demo_b, "2026-10", {}, {"purchases": 100, "revenue": "100000.00", "orders": 100}, kpis, catalogue)
    _record(
        demo_b,
        "2026-11",
        {"awareness": 1000, "new_client_share": 20, "repeat_requests": 50, "purchase_frequency_growth": 110, "avg_check_growth": 105},
        {
            "aware_prospects": 1200, "new_clients": 180, "total_clients": 1000, "repeat_requests": 50,
            "purchases": 88, "revenue": "210000.00", "orders": 100,
        },
        kpis,
        catalogue,
    )

    # Example C: a joiner with a raise, November without holidays.
    demo_c = _employee(
        company, "DEMO-C", "Clara Joiner", "Marketer", date(2026, 11, 9),
        [(date(2026, 11, 9), "60000.00"), (date(2026, 11, 16), "66000.00")], leads_cpl,
    )
    _record(demo_c, "2026-11", {"leads": 100, "cpl": 600}, {"leads": 70, "marketing_spend": "38500.00"}, kpis, catalogue)

    _marketers(company, leads_cpl, scorecard, kpis, catalogue)
    for part in DEMO_PARTS:
        part(company)
    return company


FIRST_NAMES = ["Anna", "Boris", "Vera", "Gleb", "Daria", "Egor", "Zhanna", "Ivan", "Kira", "Lev", "Maria", "Nikita"]
LAST_NAMES = ["Ivanova", "Petrov", "Sidorova", "Kuznetsov", "Smirnova", "Popov", "Volkova", "Sokolov", "Lebedeva"]
POSITIONS = ["Marketer", "Senior marketer", "Performance marketer", "Content marketer", "SMM specialist"]


def _marketers(company, leads_cpl, scorecard, kpis, catalogue, count: int = 36) -> None:
    rng = random.Random(20261123)
    people, records = [], []
    for number in range(1, count + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        salary = D(rng.randrange(40, 101, 5) * 1000)
        on_scorecard = number % 4 == 0
        hired = date(2023 + rng.randrange(3), rng.randrange(1, 13), 1)
        people.append((f"M-{number:03d}", name, rng.choice(POSITIONS), hired, salary, scorecard if on_scorecard else leads_cpl))
        for period in PERIODS:
            if on_scorecard:
                plans = {
                    "awareness": 1000, "new_client_share": 20, "repeat_requests": 50,
                    "purchase_frequency_growth": 105, "avg_check_growth": 103,
                }
                measures = {
                    "aware_prospects": rng.randrange(700, 1400), "new_clients": rng.randrange(100, 260),
                    "total_clients": rng.randrange(900, 1200), "repeat_requests": rng.randrange(30, 70),
                    "purchases": rng.randrange(60, 140), "revenue": f"{rng.randrange(80, 260) * 1000}.00",
                    "orders": rng.randrange(60, 140),
                }
            else:
                plan_leads = rng.randrange(100, 301, 10)
                leads = int(plan_leads * rng.uniform(0.6, 1.3))
                plan_cpl = rng.randrange(400, 801, 50)
                spend = D(leads) * D(plan_cpl) * D(rng.randrange(80, 130)) / 100
                plans = {"leads": plan_leads, "cpl": plan_cpl}
                measures = {"leads": leads, "marketing_spend": spend.quantize(D("0.01"))}
            if number == count - 1 and period == PERIODS[-1]:
                measures.pop("leads", None)  # a data gap: the run shows the warning
            records.append((number, period, plans, measures))

    employees = _sync_many(
        Employee,
        ("company_id", "personnel_number"),
        [
            {"company_id": company.pk, "personnel_number": number, "full_name": name, "position": position,
             "hire_date": hired, "termination_date": None}
            for number, name, position, hired, _, _ in people
        ],
    )
    ids = [employees[(company.pk, number)].pk for number, *_ in people]
    _sync_many(
        SalaryAgreement,
        ("employee_id", "effective_from"),
        [{"employee_id": pk, "effective_from": p[3], "monthly_amount": p[4]} for pk, p in zip(ids, people, strict=True)],
    )
    _sync_many(
        SchemeAssignment,
        ("employee_id", "effective_from"),
        [{"employee_id": pk, "effective_from": p[3], "scheme_id": p[5].pk} for pk, p in zip(ids, people, strict=True)],
    )
    _record_many([(ids[n - 1], period, plans, measures) for n, period, plans, measures in records], kpis, catalogue)
