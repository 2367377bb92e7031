"""API of measures, KPIs, KPI sets, plans and measure values."""

from rest_framework import serializers

from compensation.api_base import CompanyOwnedSerializer, DomainSerializer, ScopedViewSet
from config.api import IsHROrReadOnlyFinance
from kpis.models import Kpi, KpiSet, KpiSetItem, Measure, MeasureValue, Plan
from kpis.services import kpi_set_save


class CatalogueSerializer(CompanyOwnedSerializer):
    """Catalogue rows have no company; HR's own rows belong to HR's company."""


class MeasureSerializer(CatalogueSerializer):
    class Meta:
        model = Measure
        fields = ["id", "company", "code", "name", "aggregation", "unit"]


class MeasureViewSet(ScopedViewSet):
    queryset = Measure.objects.all()
    serializer_class = MeasureSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    shared_catalogue = True
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
    shared_catalogue = True
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
        from compensation.api_base import scoped

        return scoped(Kpi.objects.all(), getattr(self.context.get("request"), "user", None))

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
            validated_data["items"] = [{"kpi": i.kpi, "weight": i.weight} for i in instance.items.all()]
        return self._save(instance, validated_data)


class KpiSetViewSet(ScopedViewSet):
    queryset = KpiSet.objects.all()
    serializer_class = KpiSetSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    shared_catalogue = True
    prefetch_related = ("items",)
    filterset_fields = ["stage", "is_active"]


class PlanSerializer(DomainSerializer):
    class Meta:
        model = Plan
        fields = ["id", "employee", "period", "kpi", "value"]


class PlanViewSet(ScopedViewSet):
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    company_path = "employee__company"
    select_related = ("kpi", "employee")
    filterset_fields = ["employee", "period", "kpi"]


class MeasureValueSerializer(DomainSerializer):
    class Meta:
        model = MeasureValue
        fields = ["id", "employee", "period", "measure", "value"]


class MeasureValueViewSet(ScopedViewSet):
    queryset = MeasureValue.objects.all()
    serializer_class = MeasureValueSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    company_path = "employee__company"
    select_related = ("measure", "employee")
    filterset_fields = ["employee", "period", "measure"]
