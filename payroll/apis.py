"""API of payroll runs, payouts and adjustments."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.formats import XLSX_CONTENT_TYPE
from engine import Period
from organizations.api_base import DomainSerializer, IsHR, IsStaffRole, ScopedViewSet, request_company
from organizations.models import Company
from payroll import services
from payroll.approval import run_approval_summary
from payroll.books import run_books_problems
from payroll.excel.services import payroll_sheet_ensure
from payroll.models import Adjustment, Payout, PayrollRun
from payroll.selectors import payouts_visible_to, payouts_with_payslips_for, payroll_run_warnings, runs_visible_to
from payroll.views import payroll_sheet_response, payslip_response


class PayrollRunSerializer(serializers.ModelSerializer):
    progress_pct = serializers.IntegerField(read_only=True)

    class Meta:
        model = PayrollRun
        fields = [
            "id", "company", "period", "status", "calculation", "chunk_size", "employees_total", "employees_done", "progress_pct",
            "fixed_total", "bonus_total", "adjustments_total", "total", "warnings_count", "error",
            "started_by", "calculated_by", "approved_by", "four_eyes_at_approval", "created_at", "calculated_at",
            "approved_at", "paid_at", "provisional", "payment_date", "payment_reference", "payouts_count",
            "payouts_digest",
        ]
        read_only_fields = fields


class PayrollRunDetailSerializer(PayrollRunSerializer):
    """One run, with the verification of its books: what disagrees between its recorded
    checksum and its payouts (empty when they agree)."""

    books_problems = serializers.SerializerMethodField()

    class Meta(PayrollRunSerializer.Meta):
        fields = [*PayrollRunSerializer.Meta.fields, "books_problems"]
        read_only_fields = fields

    def get_books_problems(self, run) -> list[str]:
        return run_books_problems(run)


class MarkPaidSerializer(serializers.Serializer):
    # Required, but by the service (after the run's state: a run not approved answers 409 first).
    payment_date = serializers.DateField(required=False, allow_null=True, help_text="required: the day the money was paid")
    payment_reference = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="required: the bank's or payment system's reference"
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ApproveSerializer(serializers.Serializer):
    calculation = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="the calculation number of the summary you confirmed (`approval-summary`); a run calculated "
        "again since answers 409 run_changed",
    )


class FigureChangeSerializer(serializers.Serializer):
    figure = serializers.CharField(help_text="people, fixed, bonus, adjustments or total")
    now = serializers.CharField(help_text="this run's figure (a decimal string)")
    before = serializers.CharField(allow_null=True, help_text="the previous month's approved figure, if any")
    delta = serializers.CharField(allow_null=True)
    pct = serializers.CharField(allow_null=True, help_text="the change in per cent of the previous figure")


class WarningKindSerializer(serializers.Serializer):
    code = serializers.CharField()
    warnings = serializers.IntegerField()


class InputChangeSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="plans, measure values, adjustments, salary agreements, scheme assignments")
    rows = serializers.IntegerField()


class ApprovalSummarySerializer(serializers.Serializer):
    """What an approver confirms: people, totals and warnings against the previous month."""

    run = serializers.IntegerField()
    period = serializers.CharField()
    calculation = serializers.IntegerField()
    status = serializers.CharField()
    previous_run = serializers.IntegerField(allow_null=True)
    people = FigureChangeSerializer()
    figures = FigureChangeSerializer(many=True)
    warned_employees = serializers.IntegerField()
    warning_kinds = WarningKindSerializer(many=True)
    refusal = serializers.CharField(help_text="why the month keeps the run from approval; empty if nothing does")
    books_problems = serializers.ListField(child=serializers.CharField())
    four_eyes_blocks = serializers.BooleanField(help_text="true when you started or recalculated the run yourself")
    inputs_changed = InputChangeSerializer(
        many=True, help_text="the period's inputs written since the calculation started: recalculate before approving"
    )


def _text(value) -> str | None:
    return None if value is None else str(value)  # money stays a decimal string, never a float


def _change(change) -> dict:
    return {
        "figure": change.label,
        "now": str(change.now),
        "before": _text(change.before),
        "delta": _text(change.delta),
        "pct": _text(change.pct),
    }


def approval_summary_data(run: PayrollRun, user) -> dict:
    summary = run_approval_summary(run)
    return {
        "run": run.pk,
        "period": run.period,
        "calculation": run.calculation,
        "status": run.status,
        "previous_run": summary.previous.pk if summary.previous is not None else None,
        "people": _change(summary.people),
        "figures": [_change(change) for change in summary.figures],
        "warned_employees": summary.warned_employees,
        "warning_kinds": [{"code": code, "warnings": count} for code, count in summary.warning_kinds],
        "refusal": summary.refusal,
        "books_problems": summary.books_problems,
        "four_eyes_blocks": services.four_eyes_blocks(run=run, user=user),
        "inputs_changed": [{"kind": kind, "rows": count} for kind, count in summary.inputs_changed],
    }


class RunStartSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    chunk_size = serializers.IntegerField(min_value=1, max_value=100000, required=False)
    provisional = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true to start a month that has not ended as a provisional preview (it cannot be approved); "
        "false refuses such a month (409 month_not_ended); left out, the dates decide",
    )

    def validate_period(self, value):
        try:
            return Period.parse(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error


class RunWarningSerializer(serializers.Serializer):
    personnel_number = serializers.CharField()
    employee = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class PayoutSerializer(serializers.ModelSerializer):
    personnel_number = serializers.CharField(source="employee.personnel_number", read_only=True)
    period = serializers.CharField(source="run.period", read_only=True)

    class Meta:
        model = Payout
        fields = [
            "id", "run", "employee", "personnel_number", "period", "fixed", "bonus", "adjustments", "total",
            "coefficients", "score", "warnings", "trace",
        ]
        read_only_fields = fields


class PayrollRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of the user's company: HR starts, recalculates, approves and cancels; finance
    reads, downloads and marks paid."""

    serializer_class = PayrollRunSerializer
    permission_classes = [IsStaffRole]
    queryset = PayrollRun.objects.none()
    filterset_fields = ["period", "status"]

    def get_queryset(self):
        return runs_visible_to(self.request.user).order_by("-period", "pk")

    def get_serializer_class(self):
        return PayrollRunDetailSerializer if self.action == "retrieve" else PayrollRunSerializer

    def _hr_only(self):
        if not IsHR().has_permission(self.request, self):
            raise PermissionDenied("only HR may do this")

    @extend_schema(request=RunStartSerializer, responses={201: PayrollRunSerializer, 200: PayrollRunSerializer})
    def create(self, request):
        """Start the run of a period (or get the live one that exists: 200)."""
        self._hr_only()
        start = RunStartSerializer(data=request.data, context={"request": request})
        start.is_valid(raise_exception=True)
        run, created = services.payroll_run_start(
            company=request_company(request.user, start.validated_data.get("company")),
            period=start.validated_data["period"],
            started_by=request.user,
            chunk_size=start.validated_data.get("chunk_size"),
            provisional=start.validated_data.get("provisional"),
        )
        return Response(PayrollRunSerializer(run).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=PayrollRunSerializer)
    @action(detail=True, methods=["post"])
    def recalculate(self, request, pk=None):
        self._hr_only()
        run = services.payroll_run_recalculate(run=self.get_object(), requested_by=request.user)
        return Response(PayrollRunSerializer(run).data)

    @extend_schema(responses=ApprovalSummarySerializer)
    @action(detail=True, methods=["get"], url_path="approval-summary", filter_backends=[], pagination_class=None)
    def approval_summary(self, request, pk=None):
        """What approval confirms: people, totals and warnings against the previous month's
        approved run, what would refuse it, and the calculation number to confirm."""
        return Response(approval_summary_data(self.get_object(), request.user))

    @extend_schema(request=ApproveSerializer, responses=PayrollRunSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a calculated run; refused (409) for a month that has not ended
        (`month_not_ended`) or a provisional preview (`run_provisional`), and by four-eyes.
        With `calculation` (from `approval-summary`), a run calculated again since the
        summary was read is refused (`run_changed`)."""
        self._hr_only()
        confirmed = ApproveSerializer(data=request.data)
        confirmed.is_valid(raise_exception=True)
        run = services.payroll_run_approve(
            run=self.get_object(),
            approved_by=request.user,
            note="approved through the API",
            calculation=confirmed.validated_data.get("calculation"),
        )
        return Response(PayrollRunSerializer(run).data)

    @extend_schema(request=MarkPaidSerializer, responses=PayrollRunSerializer)
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        """Record that an approved run was paid: the payment date and reference are required."""
        if not services.may_mark_paid(request.user):  # the role is refused before the row is looked up
            raise PermissionDenied(services.MARK_PAID_REFUSED)
        run = self.get_object()
        payment = MarkPaidSerializer(data=request.data)
        payment.is_valid(raise_exception=True)
        try:
            run = services.payroll_run_mark_paid(
                run=run,
                by=request.user,
                payment_date=payment.validated_data.get("payment_date"),
                payment_reference=payment.validated_data.get("payment_reference", ""),
                note=payment.validated_data.get("note", ""),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return Response(PayrollRunSerializer(run).data)

    @extend_schema(request=None, responses=PayrollRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        self._hr_only()
        run = services.payroll_run_cancel(run=self.get_object(), by=request.user)
        return Response(PayrollRunSerializer(run).data)

    @extend_schema(responses=RunWarningSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def warnings(self, request, pk=None):
        return Response(payroll_run_warnings(self.get_object()))

    @extend_schema(responses=PayoutSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])  # the run's filters are not the payouts'
    def payouts(self, request, pk=None):
        run = self.get_object()
        queryset = run.payouts.select_related("employee", "run").order_by("employee__personnel_number", "pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PayoutSerializer(page, many=True).data)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiResponse(description="the payroll sheet")})
    @action(detail=True, methods=["get"])
    def sheet(self, request, pk=None):
        """The payroll sheet (.xlsx) of the run, built now if it is missing or stale; 409
        while the run is not calculated."""
        run = self.get_object()
        built = payroll_sheet_ensure(run=run)
        if built is None:
            raise services.RunStateError(
                services.RUN_NOT_CALCULATED,
                gettext("the %(period)s run is %(status)s; its sheet is ready once it is calculated") % {"period": run.period, "status": run.status},
            )
        return payroll_sheet_response(built)


class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Payouts with their traces: HR and finance see their company's, a marketer only their
    own once the run is approved (`payouts_visible_to`)."""

    serializer_class = PayoutSerializer
    filterset_fields = ["run", "employee"]

    queryset = Payout.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payout.objects.none()
        visible = payouts_visible_to(self.request.user)
        return visible.select_related("employee", "run").order_by("run", "employee__personnel_number", "pk")

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiResponse(description="the payslip")})
    @action(detail=True, methods=["get"])
    def payslip(self, request, pk=None):
        """The payslip (.xlsx) of the payout: the marketer's own once the run is approved, HR's
        for their company's calculated runs (the rule of the /payroll/ downloads); 404 otherwise."""
        payout = get_object_or_404(payouts_with_payslips_for(request.user), pk=self.get_object().pk)
        return payslip_response(payout)


class AdjustmentSerializer(DomainSerializer):
    class Meta:
        model = Adjustment
        fields = ["id", "employee", "period", "amount", "reason", "created_by", "created_at", "source_period", "correction"]
        # A correction's posted delta names its period and correction; only its approval makes one.
        read_only_fields = ["created_by", "created_at", "source_period", "correction"]

    def clean_exclude(self):
        return ["created_by"]


class AdjustmentViewSet(ScopedViewSet):
    """One-off additions or deductions per employee and period, with a reason. Refused for a
    period whose payroll is approved."""

    queryset = Adjustment.objects.all()
    serializer_class = AdjustmentSerializer
    permission_classes = [IsHR]
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["employee", "period"]

    def perform_create(self, serializer):
        serializer.instance = services.adjustment_create(created_by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.adjustment_delete(adjustment=instance)
