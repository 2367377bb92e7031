"""Who may see and change what. Every API view scopes its data through these functions:
a user of one company never sees another company's rows."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from compensation.models import Company, CompanyMembership, Employee

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
    return Employee.objects.select_related("company").filter(user=user).first()


def scope_to_company(queryset: QuerySet, user, field: str = "company", *, shared_catalogue: bool = False) -> QuerySet:
    """Rows of the user's company (`field` is the path to the company). With
    `shared_catalogue`, rows with no company (the catalogue, presets) are visible too."""
    if getattr(user, "is_superuser", False):
        return queryset
    company_id = user_company_id(user)
    if company_id is None:
        return queryset.none()
    condition = Q(**{f"{field}_id": company_id}) if "__" not in field else Q(**{field: company_id})
    if shared_catalogue:
        condition |= Q(**{f"{field}__isnull": True})
    return queryset.filter(condition)


def companies_for(user) -> QuerySet[Company]:
    if getattr(user, "is_superuser", False):
        return Company.objects.all()
    return Company.objects.filter(pk=user_company_id(user))
