"""The portal's edges (issue 14, item 4): a page that is not there, a month written wrong, a
marketer's login with no employee record. Each is a page in the portal's look and language
that says what is wrong and who can fix it, with DEBUG on as well as off (`make run` runs
with DEBUG on, and HR and marketers should never see Django's debug pages)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from organizations import access
from organizations.models import CompanyMembership

PORTAL = "/portal/"


class MissingEmployee(Exception):
    """The signed-in marketer's login is linked to no employee record."""


class BadPeriod(Exception):
    """A month in the address is not a month (`?period=2026-13`)."""


def page_not_found(request) -> HttpResponse:
    return render(request, "404.html", status=404)


def bad_request(request, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=400)


def hr_people(company) -> list[str]:
    """The names of the company's HR users: who can fix what a marketer's page lacks."""
    hr = (
        CompanyMembership.objects.filter(company=company, role=access.HR)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    return [m.user.get_full_name() or m.user.get_username() for m in hr]


def missing_employee(request) -> HttpResponse:
    """Who can link the login: the HR users of the marketer's company."""
    membership = access.user_membership(request.user)
    company = membership.company if membership is not None else None
    context = {"hr_people": hr_people(company) if company is not None else [], "company": company}
    return render(request, "portal/marketer/no_employee.html", context)


class PortalErrorPages:
    """Middleware: under /portal/, the edges above become the portal's pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # With DEBUG on, an address no URL matches gets Django's technical 404 page.
        if settings.DEBUG and response.status_code == 404 and request.path.startswith(PORTAL):
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(PORTAL):
            return None
        if isinstance(exception, MissingEmployee):
            return missing_employee(request)
        if isinstance(exception, BadPeriod):
            return bad_request(request, str(exception))
        if isinstance(exception, Http404):
            return page_not_found(request)
        return None
