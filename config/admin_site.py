"""The Django admin is the operator's tool (issue 14): it answers active superusers only.

HR, finance and marketers work in the portal. One of them who opens an admin page while
signed in, or signs in on the admin's login page, gets a page in the portal's look that says
so and links to the portal (not Django's login page again and again); they are not signed
in by the admin. Anonymous visitors get the admin's login page, and django-axes counts and
locks out its wrong passwords as on every login face.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from organizations import access

NOT_AN_OPERATOR = "not_an_operator"

# Where an HR user finds in the portal what an admin page held, by the page's model.
PORTAL_PAGES = {
    "organizations.employee": "portal:people",
    "organizations.companymembership": "portal:team",
    "compensation.bandtable": "portal:schemes",
    "compensation.bonusscheme": "portal:schemes",
    "kpis.kpiset": "portal:kpi_sets",
    "kpis.plan": "portal:plans",
    "kpis.measurevalue": "portal:actuals",
    "kpis.importlog": "portal:plans",
    "payroll.payrollrun": "portal:runs",
    "payroll.payout": "portal:runs",
}


class OperatorAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form: a right password of anyone but a superuser is refused."""

    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # an inactive account
        if not user.is_superuser:
            raise ValidationError(_("The administration is for administrators only."), code=NOT_AN_OPERATOR)


def portal_page(request: HttpRequest) -> str | None:
    """The portal page that does, for an HR user, what the admin page asked for did."""
    match = request.resolver_match
    model_admin = getattr(getattr(match, "func", None), "model_admin", None) if match else None
    if access.user_role(request.user) != access.HR or model_admin is None:
        return None
    name = PORTAL_PAGES.get(model_admin.model._meta.label_lower)
    try:
        return reverse(name) if name else None
    except NoReverseMatch:
        return None


@never_cache
def operators_only(request: HttpRequest, *, signed_in: bool = True) -> HttpResponse:
    """The page a signed-in non-superuser gets for every admin URL, and anyone who signs
    in on the admin's login page without being a superuser (then not signed in)."""
    context = {
        "title": _("The administration is for administrators"),
        "message": _(
            "Only administrators (superusers) work here. HR and finance do everything in the portal: "
            "people, schemes, KPI sets, plans, payroll runs and payments."
        ),
        "not_signed_in": _("You have not been signed in here.") if not signed_in else "",
        "portal_label": _("Go to the portal") if signed_in else _("Sign in to the portal"),
        "portal_url": reverse("portal:home") if signed_in else reverse("portal:login"),
        "page_label": _("The portal's page for this"),
        "page_url": portal_page(request) if signed_in else None,
    }
    return render(request, "admin/operators_only.html", context, status=403)


class OperatorAdminSite(admin.AdminSite):
    """`admin.site`: every view for active superusers only (see the module's docstring)."""

    login_form = OperatorAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                return operators_only(request)
            return guarded(request, *args, **kwargs)

        return update_wrapper(inner, guarded)

    def login(self, request, extra_context=None):
        if request.method == "GET" and request.user.is_authenticated and not self.has_permission(request):
            return operators_only(request)
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", None) and response.context_data.get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, NOT_AN_OPERATOR):
            return operators_only(request, signed_in=False)
        return response

