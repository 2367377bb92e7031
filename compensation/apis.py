"""API of companies, people, fixed pay, band tables, bonus schemes and assignments."""

from django.utils.cache import add_never_cache_headers
from rest_framework import serializers

from compensation.models import BandPoint, BandTable, BonusScheme, SalaryAgreement, SchemeAssignment, SchemeFactor
from compensation.services import band_table_save, band_table_warnings, bonus_scheme_save
from organizations.api_base import (
    CompanyOwnedSerializer,
    DomainSerializer,
    IsHROrReadOnlyFinance,
    IsSuperuser,
    RefusesRowsInUse,
    ScopedViewSet,
)
from organizations.models import CalendarDay, Company, CompanyStage, Employee
from organizations.services import company_changes_ensure_allowed


class CompanyStageSerializer(DomainSerializer):
    class Meta:
        model = CompanyStage
        fields = ["id", "company", "stage", "effective_from"]


class CalendarDaySerializer(DomainSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "company", "date", "kind", "name"]


class CompanySerializer(DomainSerializer):
    stages = CompanyStageSerializer(many=True, read_only=True)
    calendar_days = CalendarDaySerializer(many=True, read_only=True)

    class Meta:
        model = Company
        fields = [
            "id", "name", "slug", "currency", "language", "four_eyes_approval", "automatic_runs", "stages", "calendar_days",
        ]

    def validate(self, attrs):
        company_changes_ensure_allowed(company=self.instance or Company(), changes=attrs, user=self.context["request"].user)
        return super().validate(attrs)


class CompanyViewSet(ScopedViewSet):
    """The user's company with its stage history and calendar (HR edits; only a superuser creates or deletes one)."""

    queryset = Company.objects.all()
    serializer_class = CompanySerializer
    permission_classes = [IsHROrReadOnlyFinance]
    prefetch_related = ("stages", "calendar_days")
    filterset_fields = ["slug"]

    def get_permissions(self):
        if self.action in ("create", "destroy"):  # HR would take every row of the company with it
            return [IsSuperuser()]
        return super().get_permissions()


class CompanyStageViewSet(RefusesRowsInUse, ScopedViewSet):
    queryset = CompanyStage.objects.all()
    serializer_class = CompanyStageSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["company", "stage"]


class CalendarDayViewSet(ScopedViewSet):
    queryset = CalendarDay.objects.all()
    serializer_class = CalendarDaySerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["company", "kind", "date"]


class EmployeeSerializer(CompanyOwnedSerializer):
    class Meta:
        model = Employee
        fields = ["id", "company", "personnel_number", "full_name", "position", "hire_date", "termination_date", "user"]
        read_only_fields = ["user"]


class EmployeeViewSet(RefusesRowsInUse, ScopedViewSet):
    queryset = Employee.objects.all()
    serializer_class = EmployeeSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["position", "personnel_number"]


class SalaryAgreementSerializer(DomainSerializer):
    class Meta:
        model = SalaryAgreement
        fields = ["id", "employee", "effective_from", "monthly_amount"]


class SalaryAgreementViewSet(RefusesRowsInUse, ScopedViewSet):
    queryset = SalaryAgreement.objects.all()
    serializer_class = SalaryAgreementSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["employee"]

    def finalize_response(self, request, response, *args, **kwargs):
        add_never_cache_headers(response)  # salaries are never kept by a browser or proxy cache
        return super().finalize_response(request, response, *args, **kwargs)


class BandPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = BandPoint
        fields = ["lower_bound_pct", "coefficient"]
        validators: list = []


class BandTableSerializer(CompanyOwnedSerializer):
    """A band table with its rows, saved whole through the domain service (spec §5)."""

    points = BandPointSerializer(many=True)
    warnings = serializers.SerializerMethodField(
        help_text="what looks wrong though the table is valid: a coefficient that falls as fulfillment rises, "
        "a band paying more than the top one"
    )

    class Meta:
        model = BandTable
        fields = ["id", "company", "name", "mode", "points", "warnings"]

    def get_warnings(self, table) -> list[str]:
        return band_table_warnings(table)

    def nested_fields(self):
        return {"points"}

    def _save(self, table, validated):
        points = [(p["lower_bound_pct"], p["coefficient"]) for p in validated.pop("points", [])]
        for name, value in validated.items():
            setattr(table, name, value)
        return band_table_save(table=table, points=points)

    def create(self, validated_data):
        return self._save(BandTable(), validated_data)

    def update(self, instance, validated_data):
        if "points" not in validated_data:
            validated_data["points"] = [
                {"lower_bound_pct": p.lower_bound_pct, "coefficient": p.coefficient} for p in instance.points.all()
            ]
        return self._save(instance, validated_data)


class BandTableViewSet(ScopedViewSet):
    queryset = BandTable.objects.all()
    serializer_class = BandTableSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    prefetch_related = ("points",)
    filterset_fields = ["mode"]


class SchemeFactorSerializer(DomainSerializer):
    class Meta:
        model = SchemeFactor
        fields = ["name", "input_kind", "kpi", "kpi_set", "band_table"]

    def validate(self, attrs):
        return attrs  # checked as a whole by the scheme service


class BonusSchemeSerializer(CompanyOwnedSerializer):
    """A scheme with its factors, saved whole through the domain service (spec §6)."""

    factors = SchemeFactorSerializer(many=True)

    class Meta:
        model = BonusScheme
        fields = ["id", "company", "name", "base_kind", "base_share", "base_amount", "cap", "factors"]

    def nested_fields(self):
        return {"factors"}

    def _save(self, scheme, validated):
        # The API's factors carry no position: they apply in the order sent.
        factors = [
            SchemeFactor(**factor, position=position)
            for position, factor in enumerate(validated.pop("factors", []), start=1)
        ]
        for name, value in validated.items():
            setattr(scheme, name, value)
        return bonus_scheme_save(scheme=scheme, factors=factors)

    def create(self, validated_data):
        return self._save(BonusScheme(), validated_data)

    def update(self, instance, validated_data):
        if "factors" not in validated_data:
            validated_data["factors"] = [
                {"name": f.name, "input_kind": f.input_kind, "kpi": f.kpi, "kpi_set": f.kpi_set, "band_table": f.band_table}
                for f in instance.factors.select_related("kpi", "kpi_set", "band_table")
            ]
        return self._save(instance, validated_data)


class BonusSchemeViewSet(ScopedViewSet):
    queryset = BonusScheme.objects.all()
    serializer_class = BonusSchemeSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    prefetch_related = ("factors",)


class SchemeAssignmentSerializer(DomainSerializer):
    class Meta:
        model = SchemeAssignment
        fields = ["id", "employee", "scheme", "effective_from"]


class SchemeAssignmentViewSet(RefusesRowsInUse, ScopedViewSet):
    queryset = SchemeAssignment.objects.all()
    serializer_class = SchemeAssignmentSerializer
    permission_classes = [IsHROrReadOnlyFinance]
    filterset_fields = ["employee", "scheme"]
