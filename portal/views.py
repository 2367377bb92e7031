"""The portal's pages: thin views over the services and selectors. Marketers see their own
numbers; HR and finance their company's payroll runs. Every change is a POST with CSRF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.parsers import json_loads_bounded
from engine import Period
from organizations import access
from payroll import services as payroll
from payroll.models import READY, PayrollRun
from payroll.outlook import PayoutOutlook
from payroll.selectors import runs_visible_to
from payroll.statements import closed_month
from portal import review, selectors
from portal.errors import MissingEmployee, bad_request, hr_people
from portal.formatting import format_coefficient, format_money, format_percent
from portal.templatetags.portal import period_label as month_label

RUN_ERRORS = {
    payroll.FOUR_EYES: gettext_lazy(
        "Four-eyes rule: the run must be approved by someone other than who started or recalculated it."
    ),
    payroll.RUN_FROZEN: gettext_lazy(
        "The run is already approved or paid and can no longer change; enter an adjustment in a later period."
    ),
    payroll.RUN_ENDED: gettext_lazy("The run has ended (failed or cancelled); start a new one."),
    payroll.RUN_NOT_CALCULATED: gettext_lazy("Only a calculated run can be approved."),
    payroll.RUN_NOT_APPROVED: gettext_lazy("Only an approved run can be marked paid."),
}
HOMES = {access.MARKETER: "portal:dashboard", access.HR: "portal:hr_home", access.FINANCE: "portal:finance"}


def role_required(*roles: str):
    """Signed in (else to the login page) and holding one of `roles` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return auth_views.redirect_to_login(request.get_full_path(), reverse("portal:login"))
            if access.user_role(request.user) not in roles:
                return render(request, "portal/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _company(request):
    return access.user_membership(request.user).company


def _period(value: str | None) -> Period:
    if not value:
        return Period.of(timezone.localdate())
    return Period.parse(value)


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    next_page = "portal:home"


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"


def home(request):
    """Each role to its own page."""
    if not request.user.is_authenticated:
        return redirect("portal:login")
    role = access.user_role(request.user)
    if role in HOMES:
        return redirect(HOMES[role])
    if role == "superuser":
        return redirect("admin:index")
    return render(request, "portal/forbidden.html", status=403)


# ---------------------------------------------------------------------------------------
# Marketer


def _employee(request):
    employee = access.user_employee(request.user)
    if employee is None:
        raise MissingEmployee  # portal.errors: a page saying who can link the login
    return employee


def _typed_measures(query) -> dict[str, str]:
    return {key.removeprefix("m-"): value for key, value in query.items() if key.startswith("m-") and value.strip()}


@require_GET
@role_required(access.MARKETER)
def dashboard(request):
    """The marketer's month: for a closed one (its payout's run approved or paid) the approved
    statement, read from the stored payout; for an open one the live projection and what-if."""
    employee = _employee(request)
    try:
        period = _period(request.GET.get("period"))
    except ValueError:
        return bad_request(request, _("Write the month as YYYY-MM, for example 2026-11."))
    closed = closed_month(user=request.user, employee=employee, period=period)
    typed, what_if, what_if_errors = {}, None, {}
    if closed is not None and closed.payout is not None:
        data = selectors.marketer_statement(payout=closed.payout)
    elif closed is not None:  # approved without a payout of theirs: nothing to project either
        data = selectors.marketer_closed_without_payout(employee=employee, run=closed.run)
    else:
        today = timezone.localdate()
        outlook = PayoutOutlook(employee=employee, period=period)
        data = selectors.marketer_dashboard(outlook=outlook, today=today)
        typed = _typed_measures(request.GET)
        if typed:
            try:
                what_if = selectors.what_if(outlook=outlook, today=today, typed=typed)
            except selectors.WhatIfRefused as refused:
                what_if_errors = refused.errors
    cards = data.get("cards") or []
    # An open month with no plan entered yet: say so, with who enters it, and show the last
    # approved statement instead of zeros and a warning per KPI.
    plan_missing = closed is None and bool(cards) and all(card["no_plan"] for card in cards)
    context = {
        **data,
        "plan_missing": plan_missing,
        "hr_people": hr_people(employee.company) if plan_missing else [],
        "what_if": what_if,
        "what_if_errors": what_if_errors,
        "typed": typed,
        "history": selectors.pay_history(user=request.user, employee=employee, until=period),
        "payslips": selectors.employee_final_payouts(user=request.user, employee=employee)[:24],
        "previous_period": period.previous,
        "next_period": period.next,
    }
    return render(request, "portal/marketer/dashboard.html", context)


def _closed_month(run) -> str:
    return _("%(month)s is approved: its statement is final, and a what-if applies to open months only.") % {
        "month": month_label(run.period)
    }


def _what_if_json(result: dict, currency: str) -> dict:
    money = lambda value: format_money(value, currency)  # noqa: E731
    difference = result["difference"]
    return {
        "fixed": str(result["fixed"]),
        "bonus": str(result["bonus"]),
        "total": str(result["total"]),
        "projected_bonus": str(result["projected_bonus"]),
        "difference": str(difference),
        "coefficients": [
            {"factor": f["name"], "percentage": str(f["percentage"]), "coefficient": str(f["coefficient"])}
            for f in result["factors"]
        ],
        "kpis": [
            {"code": k["code"], "actual": None if k["actual"] is None else str(k["actual"]), "fulfillment_pct": str(k["fulfillment"])}
            for k in result["kpis"]
        ],
        "display": {
            "fixed": money(result["fixed"]),
            "bonus": money(result["bonus"]),
            "total": money(result["total"]),
            "difference": ("+" if difference > 0 else "") + money(difference),
            "factors": {
                f["name"]: {"percentage": format_percent(f["percentage"]), "coefficient": format_coefficient(f["coefficient"])}
                for f in result["factors"]
            },
            "kpis": {k["code"]: {"fulfillment": format_percent(k["fulfillment"])} for k in result["kpis"]},
        },
    }


@require_POST
@role_required(access.MARKETER)
def what_if(request):
    """JSON in (`{"period": "YYYY-MM", "measures": {code: "number"}}`), the what-if bonus out."""
    employee = _employee(request)
    try:
        body = json_loads_bounded(request.body or b"{}")
    except ValueError:
        return JsonResponse({"errors": {"__all__": _("The request is not JSON.")}}, status=400)
    if not isinstance(body, dict) or not isinstance(body.get("measures", {}), dict):
        return JsonResponse({"errors": {"__all__": _("Send the measures as an object.")}}, status=400)
    try:
        period = _period(body.get("period"))
    except ValueError:
        return JsonResponse({"errors": {"period": _("Write the month as YYYY-MM, for example 2026-11.")}}, status=400)
    typed = {code: str(text) for code, text in body.get("measures", {}).items()}
    closed = closed_month(user=request.user, employee=employee, period=period)
    if closed is not None:  # a closed month's figures are its approved statement
        return JsonResponse({"errors": {"__all__": _closed_month(closed.run)}}, status=409)
    try:
        outlook = PayoutOutlook(employee=employee, period=period)
        result = selectors.what_if(outlook=outlook, today=timezone.localdate(), typed=typed)
    except selectors.WhatIfRefused as refused:
        return JsonResponse({"errors": refused.errors}, status=400)
    return JsonResponse({"period": str(period), **_what_if_json(result, employee.company.currency)})


# ---------------------------------------------------------------------------------------
# HR


def _run(request, pk: int) -> PayrollRun:
    """A run of the user's company; others' runs do not exist for them."""
    runs = runs_visible_to(request.user).select_related("company", "started_by", "calculated_by", "approved_by")
    return get_object_or_404(runs, pk=pk)


@role_required(access.HR)
def runs(request):
    company = _company(request)
    return render(
        request,
        "portal/hr/runs.html",
        {
            "company": company,
            "runs": selectors.company_runs(company=company)[:36],
            "default_period": str(Period.of(timezone.localdate()).previous),  # the last month that has ended
        },
    )


@require_POST
@role_required(access.HR)
def run_start(request):
    try:
        period = Period.parse(request.POST.get("period", ""))
    except ValueError:
        messages.error(request, _("Write the month as YYYY-MM, for example 2026-11."))
        return redirect("portal:runs")
    try:
        run, created = payroll.payroll_run_start(
            company=_company(request),
            period=period,
            started_by=request.user,
            provisional=bool(request.POST.get("provisional")),  # HR ticks it to preview a month not ended
        )
    except payroll.RunStateError as error:
        if error.code != payroll.MONTH_NOT_ENDED:
            raise
        messages.error(
            request,
            _(
                "%(period)s has not ended yet. Tick “provisional preview” to see its figures so far, "
                "or start a month that has ended."
            )
            % {"period": period},
        )
        return redirect("portal:runs")
    if not created:
        messages.info(request, _("The %(period)s payroll is already under way; here it is.") % {"period": period})
    return redirect("portal:run", pk=run.pk)


@require_GET
@role_required(access.HR, access.FINANCE)
def run_detail(request, pk: int):
    run = _run(request, pk)
    has_results = run.status in READY  # payouts are complete: totals, downloads, warnings, the review
    return render(
        request,
        "portal/hr/run.html",
        {
            "run": run,
            "has_results": has_results,
            "progress": selectors.run_progress(run),
            **(review.run_review(run, request.GET) if has_results else {}),
            "four_eyes_blocks": payroll.four_eyes_blocks(run=run, user=request.user),
            "transitions": run.transitions.select_related("by").order_by("at", "id"),  # one run: no join to sort
        },
    )


@require_GET
@role_required(access.HR)
def run_status_json(request, pk: int):
    return JsonResponse(selectors.run_progress(_run(request, pk)))


@dataclass(frozen=True)
class RunAction:
    """A change to a run: who may ask for it, the payroll service that makes it, what to say
    when it is done and where to go next (the run's page unless named)."""

    role: str
    call: Callable  # (run, user) -> run
    done: str
    back: str | None = None


# Approving (after a confirmation) and marking paid (with the payment) are portal.run_guards'.
RUN_ACTIONS = {
    "recalculate": RunAction(
        access.HR,
        lambda run, user: payroll.payroll_run_recalculate(run=run, requested_by=user),
        gettext_lazy("The %(period)s payroll is being calculated again."),
    ),
    "cancel": RunAction(
        access.HR,
        lambda run, user: payroll.payroll_run_cancel(run=run, by=user),
        gettext_lazy("The %(period)s payroll is cancelled."),
    ),
}


@require_POST
def run_action(request, pk: int, action: str):
    """Approve, recalculate, cancel (HR) or mark paid (finance) a run of the user's company;
    the service decides whether the run's state allows it, and the page says why not."""
    spec = RUN_ACTIONS.get(action)
    if spec is None:
        raise Http404("no such action")

    @role_required(spec.role)
    def act(request):
        run = _run(request, pk)
        try:
            spec.call(run, request.user)
        except payroll.RunStateError as error:
            messages.error(request, str(RUN_ERRORS.get(error.code, error.message)))
        else:
            messages.success(request, spec.done % {"period": run.period})
        return redirect(spec.back or reverse("portal:run", args=[run.pk]))

    return act(request)


# ---------------------------------------------------------------------------------------
# Finance


@require_GET
@role_required(access.FINANCE)
def finance(request):
    company = _company(request)
    return render(
        request,
        "portal/finance/runs.html",
        {
            "company": company,
            "ready": selectors.runs_ready_to_pay(company=company),
            "paid": selectors.runs_paid(company=company),
        },
    )
