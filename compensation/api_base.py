"""Base classes for the API: serializers that validate through the domain model and only
accept related objects of the user's company; viewsets scoped to that company."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from compensation import access
from compensation.models import BandTable, BonusScheme, Company, Employee


def scoped(queryset, user):
    return access.scope_for_user(queryset, user)


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
                for field, messages in error.message_dict.items()
            }
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


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
                target.queryset = scoped(target.queryset, user)
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
        try:
            candidate.full_clean(exclude=self.clean_exclude())
        except DjangoValidationError as error:
            raise as_drf_error(error) from error
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
    """A viewset whose rows are those of the user's company (`company_path`)."""

    company_path = "company"
    shared_catalogue = False
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.queryset.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return access.scope_to_company(
            queryset, self.request.user, self.company_path, shared_catalogue=self.shared_catalogue
        ).order_by(*(self.queryset.model._meta.ordering or ["pk"]), "pk")

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        shared = self.shared_catalogue and getattr(obj, "company_id", 0) is None
        if shared and request.method not in ("GET", "HEAD", "OPTIONS") and not request.user.is_superuser:
            raise PermissionDenied("this row belongs to the shared catalogue; add your company's own instead")


__all__ = ["BandTable", "BonusScheme", "CompanyOwnedSerializer", "DomainSerializer", "Employee", "ScopedViewSet", "scoped"]
