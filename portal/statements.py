"""The readable statement of one payout: the marketer's own once the run is approved, and
any payout of their company's calculated, approved or paid runs for HR and finance (to
review a run before it is approved). Anyone else's payout answers 404, as one that does not
exist; who may read which payout is `payroll.selectors.payouts_visible_to`. Like the payslip,
the page is never stored by a browser or proxy cache."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from organizations import access
from payroll.models import READY
from payroll.selectors import payouts_visible_to, payouts_with_payslips_for
from portal import selectors
from portal.views import role_required


@require_GET
@never_cache  # a pay document: no browser or proxy cache keeps it
@role_required(access.MARKETER, access.HR, access.FINANCE, "superuser")
def payout_statement(request, pk: int):
    payouts = payouts_visible_to(request.user).filter(run__status__in=READY)
    payout = get_object_or_404(payouts.select_related("employee", "run__company", "run__approved_by"), pk=pk)
    role = access.user_role(request.user)
    if role == access.MARKETER:
        back_url = f"{reverse('portal:dashboard')}?period={payout.run.period}"
        back_label = _("My bonus")
    elif role == access.HR:
        back_url, back_label = reverse("portal:run", args=[payout.run_id]), _("The run")
    elif role == access.FINANCE:
        back_url, back_label = reverse("portal:finance"), _("Payments")
    else:
        back_url, back_label = "", ""
    may_download = payouts_with_payslips_for(request.user).filter(pk=payout.pk).exists()
    context = {
        **selectors.payout_statement(payout),
        "back_url": back_url,
        "back_label": back_label,
        "payslip_url": reverse("payroll:payslip", args=[payout.pk]) if may_download else "",
    }
    return render(request, "portal/statement.html", context)
