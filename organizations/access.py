"""Who may see and change what. Every API view scopes its data through these functions:
a user of one company never sees another company's rows."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from organizations.models import Company, CompanyMembership, Employee

HR = CompanyMembership.Role.HR
FINANCE = CompanyMembership.Role.FINANCE
MARKETER = CompanyMembership.Role.MARKETER


def user_membership(user) -> CompanyMembership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except CompanyMembership.DoesNotExist:
        return None


def user_role(user) -> str | None:
    """'superuser', 'hr', 'finance', 'marketer' or None."""
    if getattr(user, "is_superuser", False):
        return "superuser"
    membership = user_membership(user)
    return membership.role if membership else None


def user_company_id(user) -> int | None:
    membership = user_membership(user)
    return membership.company_id if membership else None


def user_employee(user) -> Employee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if Employee.user.field.remote_field.is_cached(user):  # read with the user (config.authentication)
        try:
            return user.employee
        except Employee.DoesNotExist:
            return None
    return Employee.objects.select_related("company").filter(user=user).first()


# For each model: the path from it to its company, and whether rows with no company (the
# catalogue, presets) are shared with every company, read-only.
COMPANY_PATHS: dict[str, tuple[str, bool]] = {
    "organizations.company": ("pk", False),
    "organizations.companymembership": ("company", False),
    "organizations.companystage": ("company", False),
    "organizations.calendarday": ("company", False),
    "organizations.employee": ("company", False),
    "compensation.salaryagreement": ("employee__company", False),
    "compensation.bandtable": ("company", False),
    "compensation.bandpoint": ("table__company", False),
    "compensation.bonusscheme": ("company", False),
    "compensation.schemefactor": ("scheme__company", False),
    "compensation.schemeassignment": ("employee__company", False),
    "kpis.measure": ("company", True),
    "kpis.kpi": ("company", True),
    "kpis.kpiset": ("company", True),
    "kpis.kpisetitem": ("kpi_set__company", True),
    "kpis.plan": ("employee__company", False),
    "kpis.measurevalue": ("employee__company", False),
    "kpis.importlog": ("company", False),
    "payroll.payrollrun": ("company", False),
    "payroll.payout": ("run__company", False),
    "payroll.runtransition": ("run__company", False),
    "payroll.adjustment": ("employee__company", False),
}


def scope_to_company(queryset: QuerySet, user, field: str = "company", *, shared_catalogue: bool = False) -> QuerySet:
    """Rows of the user's company (`field` is the path to the company). With
    `shared_catalogue`, rows with no company (the catalogue, presets) are visible too."""
    if getattr(user, "is_superuser", False):
        return queryset
    company_id = user_company_id(user)
    if company_id is None:
        return queryset.none()
    lookup = field if field == "pk" or "__" in field else f"{field}_id"
    condition = Q(**{lookup: company_id})
    if shared_catalogue:
        condition |= Q(**{f"{field}__isnull": True})
    return queryset.filter(condition)


def scope_for_user(queryset: QuerySet, user) -> QuerySet:
    """Any model's rows the user may see, by `COMPANY_PATHS` (other models are not scoped)."""
    known = COMPANY_PATHS.get(queryset.model._meta.label_lower)
    if known is None:
        return queryset
    path, shared = known
    return scope_to_company(queryset, user, path, shared_catalogue=shared)


def company_id_of(obj) -> int | None:
    """The company a row belongs to, read along its `COMPANY_PATHS` path (None: a shared
    catalogue row). Works on a version rebuilt from history too. Raises ObjectDoesNotExist
    when a row on the way is gone, KeyError for a model with no path."""
    path = COMPANY_PATHS[obj._meta.label_lower][0]
    if path == "pk":
        return obj.pk
    *parents, last = path.split("__")
    for name in parents:
        obj = getattr(obj, name)
    return getattr(obj, f"{last}_id")


# Fields only a superuser may change, whatever the face.
SUPERUSER_ONLY_FIELDS: dict[str, tuple[str, ...]] = {
    "organizations.company": ("four_eyes_approval", "automatic_runs"),
}


def is_shared_row(obj) -> bool:
    """A catalogue or preset row: no company, shared by everyone."""
    known = COMPANY_PATHS.get(obj._meta.label_lower)
    return bool(known and known[1] and getattr(obj, "company_id", 0) is None)


def companies_for(user) -> QuerySet[Company]:
    if getattr(user, "is_superuser", False):
        return Company.objects.all()
    return Company.objects.filter(pk=user_company_id(user))
