"""API of measures, KPIs, KPI sets, plans and measure values."""

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api_fields import DecimalInputField
from core.formats import unstorable_reason
from core.periods import PeriodClosedError
from kpis import imports
from kpis.imports import items_import
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure, MeasureValue, Plan
from kpis.services import kpi_set_save
from organizations import access
from organizations.api_base import (
    CompanyOwnedSerializer,
    DomainSerializer,
    IsHR,
    IsHROrReadOnlyFinance,
    RefusesRowsInUse,
    ScopedViewSet,
    request_company,
)
from organizations.models import Company


class CatalogueSerializer(CompanyOwnedSerializer):
    """Catalogue rows have no company; HR's own rows belong to HR's company. A superuser
    adds to the catalogue by sending `"company": null`."""

    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True, help_text="empty: the shared catalogue"
    )


class MeasureSerializer(CatalogueSerializer):
    class Meta:
        model = Measure
        fields = ["id", "company", "code", "name", "aggregation", "unit"]


class MeasureViewSet(ScopedViewSet):
    queryset = Measure.objects.all()
    serializer_class = MeasureSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["code", "aggregation", "unit"]


class KpiSerializer(CatalogueSerializer):
    """A KPI is one measure or a formula; the formula is parsed when saved (spec §2)."""

    class Meta:
        model = Kpi
        fields = ["id", "company", "code", "name", "direction", "unit", "measure", "formula"]


class KpiViewSet(ScopedViewSet):
    queryset = Kpi.objects.all()
    serializer_class = KpiSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["code", "direction"]


class KpiSetItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSetItem
        fields = ["kpi", "weight"]
        validators: list = []


class KpiSetSerializer(CatalogueSerializer):
    """A KPI set with its weighted items, saved whole: weights sum to exactly 1 (spec §4)."""

    items = KpiSetItemSerializer(many=True)
    weights_sum = serializers.SerializerMethodField()

    class Meta:
        model = KpiSet
        fields = ["id", "company", "stage", "name", "is_active", "cap_pct", "items", "weights_sum"]

    def get_fields(self):
        fields = super().get_fields()
        fields["items"].child.fields["kpi"].queryset = self.fields_scope_kpis()
        return fields

    def fields_scope_kpis(self):
        return access.scope_for_user(Kpi.objects.all(), getattr(self.context.get("request"), "user", None))

    def get_weights_sum(self, kpi_set) -> str:
        return str(sum((item.weight for item in kpi_set.items.all()), start=0))

    def nested_fields(self):
        return {"items"}

    def _save(self, kpi_set, validated):
        items = [(item["kpi"], item["weight"]) for item in validated.pop("items", [])]
        for name, value in validated.items():
            setattr(kpi_set, name, value)
        return kpi_set_save(kpi_set=kpi_set, items=items)

    def create(self, validated_data):
        return self._save(KpiSet(), validated_data)

    def update(self, instance, validated_data):
        if "items" not in validated_data:
            validated_data["items"] = [{"kpi": i.kpi, "weight": i.weight} for i in instance.items.select_related("kpi")]
        return self._save(instance, validated_data)


class KpiSetViewSet(RefusesRowsInUse, ScopedViewSet):
    queryset = KpiSet.objects.all()
    serializer_class = KpiSetSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    prefetch_related = ("items",)
    filterset_fields = ["stage", "is_active"]


class BulkItemSerializer(serializers.Serializer):
    personnel_number = serializers.CharField()
    period = serializers.CharField(help_text="YYYY-MM")
    code = serializers.CharField(help_text="KPI code (plans) or measure code (measure values)")
    value = serializers.CharField(help_text="a decimal number, as a string")


#: Items in one bulk request. 10,000 items with the longest personnel number and code (50
#: characters each) and a value of 18 digits take ~1.7 MB of JSON: they fit in the body
#: limit (Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB by default), so the documented
#: maximum is one a client can send. More rows: several requests, or a file import.
BULK_MAX_ITEMS = 10_000


class BulkUpsertSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    items = serializers.ListField(
        child=serializers.DictField(),
        max_length=BULK_MAX_ITEMS,
        help_text=f"at most {BULK_MAX_ITEMS:,} items (and a body of at most the server's limit, 2.5 MB by default)",
    )

    def validate_items(self, items):
        """Text the database cannot store is refused here, as DRF's own text fields refuse it
        (the import pipeline would send it to PostgreSQL and fail there)."""
        errors: dict[int, dict[str, list[str]]] = {}
        for index, item in enumerate(items):
            for key, value in item.items():
                if problem := unstorable_reason(str(key)):
                    errors.setdefault(index, {}).setdefault("non_field_errors", []).append(f"a column name: {problem}")
                elif isinstance(value, str) and (problem := unstorable_reason(value)):
                    errors.setdefault(index, {}).setdefault(key, []).append(problem)
        if errors:
            raise serializers.ValidationError(errors)
        return items


class BulkResultSerializer(serializers.Serializer):
    rows_total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkUpsertMixin:
    """`POST …/bulk/`: create or update many rows at once, all or nothing, through the same
    checks as the spreadsheet import; every bad item is reported as `items[i].field`."""

    import_kind = ""

    @extend_schema(request=BulkUpsertSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"], permission_classes=[IsHR])
    def bulk(self, request):
        body = BulkUpsertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = request_company(request.user, body.validated_data.get("company"))
        result = items_import(
            kind=self.import_kind, company=company, items=body.validated_data["items"], source="api", uploaded_by=request.user
        )
        if result.errors:
            fields: dict[str, list[str]] = {}
            for problem in result.errors:
                key = f"items[{problem.row}].{problem.column}" if problem.row is not None else "items"
                fields.setdefault(key, []).append(problem.message)
            closed = next((problem for problem in result.errors if problem.code == imports.PERIOD_CLOSED), None)
            if closed is not None:  # the state of the data refuses it, whatever else is wrong: 409
                raise PeriodClosedError(f"items[{closed.row}].{closed.column}: {closed.message}", fields=fields)
            raise serializers.ValidationError(fields)
        return Response(
            {"rows_total": result.rows_total, "created": result.rows_created, "updated": result.rows_updated,
             "unchanged": result.rows_unchanged}
        )


class DecimalInputs:
    """A model serializer whose decimal fields read numbers through the domain's parser
    (`config.api.DecimalInputField`), with the model field's digits."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.DecimalField: DecimalInputField}


class PlanSerializer(DecimalInputs, DomainSerializer):
    class Meta:
        model = Plan
        fields = ["id", "employee", "period", "kpi", "value"]


class PlanViewSet(BulkUpsertMixin, ScopedViewSet):
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    import_kind = "plans"
    select_related = ("kpi", "employee")
    filterset_fields = ["employee", "period", "kpi"]


class MeasureValueSerializer(DecimalInputs, DomainSerializer):
    class Meta:
        model = MeasureValue
        fields = ["id", "employee", "period", "measure", "value"]


class MeasureValueViewSet(BulkUpsertMixin, ScopedViewSet):
    queryset = MeasureValue.objects.all()
    serializer_class = MeasureValueSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    import_kind = "measures"
    select_related = ("measure", "employee")
    filterset_fields = ["employee", "period", "measure"]

