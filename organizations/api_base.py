"""Base classes for the API: serializers that validate through the domain model and only
accept related objects of the user's company; viewsets scoped to that company. A write
(create, update, DELETE) of a row that fed a closed period is refused, 409 `period_closed`
(`core.periods`)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from core import deletion, periods
from organizations import access
from organizations.access import FINANCE, HR, user_role
from organizations.models import Company


def request_company(user, named: Company | None = None) -> Company:
    """The company a request acts for: a superuser names it (`named`); anyone else acts for
    their own company. Refused (400 on `company`) when there is none."""
    company = named if user.is_superuser else access.companies_for(user).first()
    if company is None:
        raise serializers.ValidationError({"company": ["name the company"]})
    return company


class DomainSerializer(serializers.ModelSerializer):
    """Runs the model's own validation (`full_clean`: field rules, `clean()`, constraints)
    so the API refuses exactly what the admin and the imports refuse."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            if isinstance(target, serializers.RelatedField) and getattr(target, "queryset", None) is not None:
                target.queryset = access.scope_for_user(target.queryset, user)
        return fields

    def get_validators(self):
        return []  # uniqueness and constraints are checked by the model's full_clean below

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance or self.Meta.model()
        candidate = self.Meta.model(**{f.attname: getattr(instance, f.attname) for f in self.Meta.model._meta.concrete_fields})
        # The candidate stands for the row being changed: uniqueness checks must not
        # count that row itself (nor refuse its own primary key).
        candidate._state.adding = instance._state.adding
        candidate._state.db = instance._state.db
        for name, value in attrs.items():
            if name in self.nested_fields():
                continue
            setattr(candidate, name, value)
        # Django's ValidationError becomes DRF's in `Serializer.run_validation` (`__all__`
        # stays the key of errors of the whole row: config.api reports it as such).
        candidate.full_clean(exclude=self.clean_exclude())
        periods.ensure_write_open(candidate)  # a row of a closed period: 409 period_closed
        return attrs

    def nested_fields(self) -> set[str]:
        return set()

    def clean_exclude(self) -> list[str]:
        return []


class CompanyOwnedSerializer(DomainSerializer):
    """A row that belongs to a company: HR's rows take HR's company; a superuser names it."""

    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)

    def validate(self, attrs):
        user = self.context["request"].user
        if self.instance is not None:
            attrs.pop("company", None)
        elif not user.is_superuser or "company" not in attrs:
            company_id = access.user_company_id(user)
            if company_id is None:
                raise serializers.ValidationError({"company": ["name the company"]})
            attrs["company"] = Company.objects.get(pk=company_id)
        return super().validate(attrs)


class ScopedViewSet(viewsets.ModelViewSet):
    """A viewset whose rows are those the user may see (`access.scope_for_user`: the user's
    company's, and the shared catalogue's where the model has one, read-only)."""

    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # `scope_for_user` leaves a model it does not know unscoped: refuse one up front.
        if cls.queryset is not None and cls.queryset.model._meta.label_lower not in access.COMPANY_PATHS:
            raise ImproperlyConfigured(f"{cls.__name__}: add {cls.queryset.model._meta.label} to access.COMPANY_PATHS")

    def get_queryset(self):
        queryset = self.queryset.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        ordering = self.queryset.model._meta.ordering or ["pk"]
        return access.scope_for_user(queryset, self.request.user).order_by(*ordering, "pk")

    def perform_destroy(self, instance):
        periods.ensure_write_open(None, delete=instance)
        instance.delete()

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        changes = request.method not in ("GET", "HEAD", "OPTIONS")
        if changes and access.is_shared_row(obj) and not request.user.is_superuser:
            raise PermissionDenied("this row belongs to the shared catalogue; add your company's own instead")


__all__ = ["CompanyOwnedSerializer", "DomainSerializer", "ScopedViewSet", "request_company"]


class RefusesRowsInUse:
    """DELETE of a row a payroll run needs is refused (409 in_use), the check the admin shares."""

    def perform_destroy(self, instance):
        periods.ensure_write_open(None, delete=instance)  # 409 period_closed before in_use
        deletion.delete_unless_in_use(instance)


# --- who may call an endpoint ------------------------------------------------------------


class IsHR(permissions.BasePermission):
    """HR of the company (or a superuser): configures, runs payroll."""

    def has_permission(self, request, view):
        return user_role(request.user) in ("superuser", HR)


class IsHROrReadOnlyFinance(permissions.BasePermission):
    """HR changes; finance reads."""

    def has_permission(self, request, view):
        role = user_role(request.user)
        if role in ("superuser", HR):
            return True
        return role == FINANCE and request.method in permissions.SAFE_METHODS


class IsStaffRole(permissions.BasePermission):
    """HR, finance or superuser (not marketers)."""

    def has_permission(self, request, view):
        return user_role(request.user) in ("superuser", HR, FINANCE)


class IsSuperuser(permissions.BasePermission):
    """An administrator of the whole installation (no company of their own)."""

    message = "only an administrator may do this"

    def has_permission(self, request, view):
        return user_role(request.user) == "superuser"
