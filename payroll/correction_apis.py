"""API of corrections of closed periods: HR records, calculates, approves and cancels them;
finance reads them; marketers and other companies see nothing. Refusals of the domain are
409s with their codes (`payroll.services.corrections`)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from compensation.models import BonusScheme
from engine import Period
from kpis.models import Kpi, Measure
from organizations import access
from organizations.api_base import IsHR, IsStaffRole, request_company
from organizations.models import Company, Employee
from payroll.models import Correction, CorrectionChange, CorrectionResult
from payroll.services import corrections as services


def corrections_visible_to(user) -> QuerySet[Correction]:
    """HR's and finance's company's corrections; every one for a superuser; none otherwise."""
    found = Correction.objects.select_related("company")
    role = access.user_role(user)
    if role == "superuser":
        return found
    company_id = access.user_company_id(user)
    if role in (access.HR, access.FINANCE) and company_id is not None:
        return found.filter(company_id=company_id)
    return found.none()


class CorrectionChangeSerializer(serializers.ModelSerializer):
    personnel_number = serializers.CharField(source="employee.personnel_number", read_only=True)

    class Meta:
        model = CorrectionChange
        fields = ["id", "employee", "personnel_number", "kind", "measure", "kpi", "scheme", "value", "effective_from", "note", "was"]
        read_only_fields = ["was"]
        extra_kwargs = {"note": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, model in (("employee", Employee), ("measure", Measure), ("kpi", Kpi), ("scheme", BonusScheme)):
            fields[name].queryset = access.scope_for_user(model.objects.all(), user)
        return fields

    def spec(self, data) -> services.ChangeSpec:
        return services.ChangeSpec(**{key: value for key, value in data.items() if key != "correction"})


class CorrectionResultSerializer(serializers.ModelSerializer):
    personnel_number = serializers.CharField(source="employee.personnel_number", read_only=True)
    full_name = serializers.CharField(source="employee.full_name", read_only=True)

    class Meta:
        model = CorrectionResult
        fields = [
            "employee", "personnel_number", "full_name", "approved_total", "baseline_total", "fixed", "bonus",
            "adjustments", "total", "delta", "warnings", "changed_lines",
        ]  # fmt: skip
        read_only_fields = fields


class CorrectionResultWithTraceSerializer(CorrectionResultSerializer):
    class Meta(CorrectionResultSerializer.Meta):
        fields = [*CorrectionResultSerializer.Meta.fields, "trace"]
        read_only_fields = fields


class CorrectionSerializer(serializers.ModelSerializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    changes = CorrectionChangeSerializer(many=True)
    progress_pct = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="draft, calculating, calculated, approved or cancelled")

    class Meta:
        model = Correction
        fields = [
            "id", "company", "period", "reason", "status", "changes", "employees_total", "employees_done",
            "progress_pct", "delta_total", "changed_count", "error", "created_by", "calculated_by", "approved_by",
            "cancelled_by", "four_eyes_at_approval", "posted_to", "created_at", "calculated_at", "approved_at",
            "cancelled_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("company", "period", "reason", "changes")]

    def validate_period(self, value):
        try:
            return str(Period.parse(value))
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error


class CorrectionDetailSerializer(CorrectionSerializer):
    results = serializers.SerializerMethodField()

    class Meta(CorrectionSerializer.Meta):
        fields = [*CorrectionSerializer.Meta.fields, "results"]

    @extend_schema_field(CorrectionResultSerializer(many=True))
    def get_results(self, correction) -> list[dict]:
        rows = correction.results.select_related("employee").order_by("employee__personnel_number")
        return list(CorrectionResultSerializer(rows, many=True).data)


class CorrectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Corrections of the user's company's closed periods. A correction's results (each
    affected employee's approved figure, corrected payout, delta and changed trace lines)
    are in its detail; `results/` pages them with their traces."""

    permission_classes = [IsStaffRole]
    queryset = Correction.objects.none()
    filterset_fields = ["period", "status"]

    def get_queryset(self):
        return corrections_visible_to(self.request.user).prefetch_related("changes__employee").order_by("-period", "-pk")

    def get_serializer_class(self):
        return CorrectionDetailSerializer if self.action == "retrieve" else CorrectionSerializer

    def _hr_only(self):
        if not IsHR().has_permission(self.request, self):
            raise PermissionDenied("only HR may do this")

    def create(self, request, *args, **kwargs):
        """Record a correction of a closed period with its changes (a draft)."""
        self._hr_only()
        serializer = CorrectionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        change = CorrectionChangeSerializer(context={"request": request})
        correction = services.correction_create(
            company=request_company(request.user, data.get("company")),
            period=data["period"],
            reason=data["reason"],
            changes=[change.spec(item) for item in data["changes"]],
            created_by=request.user,
        )
        return Response(CorrectionDetailSerializer(correction, context={"request": request}).data, status=status.HTTP_201_CREATED)

    def _respond(self, correction):
        return Response(CorrectionDetailSerializer(correction, context={"request": self.request}).data)

    @extend_schema(request=None, responses=CorrectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def calculate(self, request, pk=None):
        """Recompute the period with the correction's changes (on the payroll's workers)."""
        self._hr_only()
        return self._respond(services.correction_calculate(correction=self.get_object(), requested_by=request.user))

    @extend_schema(request=None, responses=CorrectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve (four-eyes) and post each delta into the next open period."""
        self._hr_only()
        return self._respond(services.correction_approve(correction=self.get_object(), approved_by=request.user))

    @extend_schema(request=None, responses=CorrectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        self._hr_only()
        return self._respond(services.correction_cancel(correction=self.get_object(), by=request.user))

    @extend_schema(responses=CorrectionResultWithTraceSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request, pk=None):
        rows = self.get_object().results.select_related("employee").order_by("employee__personnel_number", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(CorrectionResultWithTraceSerializer(page, many=True).data)
