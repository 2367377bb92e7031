"""The guards on the month in the portal (issue 13, item 6): approval asks for confirmation
with the run's summary, and marking paid records the payment's date and reference.

The routes are `runs/<pk>/approve/` and `runs/<pk>/paid/`, ahead of the generic run action,
so every approve button (the run page's POST included) lands on the confirmation first."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from organizations import access
from payroll import services as payroll
from payroll.approval import confirmed_calculation, run_approval_summary
from portal.views import RUN_ERRORS, _run, role_required

GUARD_ERRORS = {
    **RUN_ERRORS,
    payroll.MONTH_NOT_ENDED: gettext_lazy(
        "The month has not ended yet: this run is a provisional preview and can be approved once the month is over."
    ),
    payroll.RUN_PROVISIONAL: gettext_lazy(
        "This run is a provisional preview calculated before the month ended: recalculate it, then approve."
    ),
    payroll.RUN_CHANGED: gettext_lazy(
        "The run was calculated again after you opened the summary: review the new figures and confirm again."
    ),
}
APPROVED_NOTE = "approved after confirming the summary"


@require_http_methods(["GET", "POST"])
@role_required(access.HR)
def run_approve(request, pk: int):
    """GET: the summary the approver confirms (people, totals, warnings, change against the
    previous month's approved run). POST with `confirm`: approve the calculation that was
    shown (a run recalculated meanwhile is refused). A POST without it (an approve button)
    opens the summary."""
    run = _run(request, pk)
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            payroll.payroll_run_approve(
                run=run,
                approved_by=request.user,
                note=APPROVED_NOTE,
                calculation=confirmed_calculation(request.POST.get("calculation")),
            )
        except payroll.RunStateError as error:
            messages.error(request, str(GUARD_ERRORS.get(error.code, error.message)))
            if error.code == payroll.RUN_CHANGED:
                return redirect("portal:run_approve", pk=run.pk)
        else:
            messages.success(request, _("The %(period)s payroll is approved.") % {"period": run.period})
        return redirect("portal:run", pk=run.pk)
    if request.method == "POST":
        return redirect("portal:run_approve", pk=run.pk)
    summary = run_approval_summary(run)
    return render(
        request,
        "portal/hr/run_approve.html",
        {
            "run": run,
            "summary": summary,
            "four_eyes_blocks": payroll.four_eyes_blocks(run=run, user=request.user),
            "may_approve": run.status == "calculated"
            and not summary.refusal
            and not payroll.four_eyes_blocks(run=run, user=request.user),
        },
    )


def _payment_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_POST
@role_required(access.FINANCE)
def run_mark_paid(request, pk: int):
    """Mark an approved run paid with the payment's date and reference (both required)."""
    run = _run(request, pk)
    try:
        payroll.payroll_run_mark_paid(
            run=run,
            by=request.user,
            payment_date=_payment_date(request.POST.get("payment_date")),
            payment_reference=request.POST.get("payment_reference", ""),
        )
    except PermissionDenied:
        return render(request, "portal/forbidden.html", status=403)
    except payroll.RunStateError as error:
        messages.error(request, str(GUARD_ERRORS.get(error.code, error.message)))
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("The %(period)s payroll is marked paid.") % {"period": run.period})
    return redirect(reverse("portal:finance"))
