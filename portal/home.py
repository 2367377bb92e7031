"""HR's home (issue 14, "signing in as hr leads to the HR workspace"): this month and the
last at a glance, what is open and what is missing, each line linking to the page that
fixes it; the data is `payroll.workspace`'s."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from organizations import access
from payroll.workspace import SHOWN, hr_workspace
from portal.templatetags.portal import HR_PAGES
from portal.views import _company, role_required


@require_GET
@role_required(access.HR)
def hr_home(request):
    company = _company(request)
    today = timezone.localdate()
    workspace = hr_workspace(company=company, today=today)
    pages = [{"url": reverse(f"portal:{name}"), "label": label} for name, label, _also in HR_PAGES if name != "hr_home"]
    return render(
        request,
        "portal/hr/home.html",
        {"company": company, "today": today, "workspace": workspace, "shown": SHOWN, "pages": pages},
    )
