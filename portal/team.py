"""HR's team page and invitations (issue 14, item 1): the company's HR and finance colleagues;
an HR lead adds one with a temporary password or a set-password link, or removes one. The
link is Django's password-reset token, opened on the portal's welcome page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from organizations import access
from organizations.models import CompanyMembership
from organizations.services import (
    COLLEAGUE_ROLES,
    colleague_login_create,
    colleague_login_deactivate,
    invitation_token,
    may_manage_colleagues,
)
from portal.feedback import refusal_messages
from portal.views import _company, role_required


def invitation_link(request, user: User) -> str:
    uidb64, token = invitation_token(user)
    return request.build_absolute_uri(reverse("portal:welcome", args=[uidb64, token]))


def password_or_invitation(request) -> str | None:
    """The temporary password typed, or None when HR chose "send a set-password link"."""
    return None if request.POST.get("how") == "link" else request.POST.get("password", "")


def announce_login(request, user: User, *, password: str | None) -> None:
    """Tell HR how the new login signs in: with the password they set, or from the link
    (shown here, and mailed when the login has an address)."""
    name = user.get_full_name() or user.get_username()
    if password is not None:
        messages.success(
            request,
            _("%(name)s signs in as %(username)s with the password you set; ask them to change it.")
            % {"name": name, "username": user.get_username()},
        )
        return
    link = invitation_link(request, user)
    mailed = False
    if user.email:
        subject = _("Your sign-in to Marketer bonus")
        body = _("Hello, %(name)s. Your username is %(username)s. Set your password here: %(link)s") % {
            "name": name,
            "username": user.get_username(),
            "link": link,
        }
        try:
            mailed = send_mail(subject, body, None, [user.email]) == 1
        except OSError:  # no mail server: HR passes the link on instead
            mailed = False
    text = (
        _("%(name)s signs in as %(username)s after setting a password at this link (sent to %(email)s): %(link)s")
        if mailed
        else _("%(name)s signs in as %(username)s after setting a password at this link; pass it on: %(link)s")
    )
    messages.success(request, text % {"name": name, "username": user.get_username(), "email": user.email, "link": link})


@require_GET
@role_required(access.HR)
def team(request):
    """The company's HR and finance logins; the add and remove forms for an HR lead."""
    company = _company(request)
    colleagues = (
        CompanyMembership.objects.filter(company=company, role__in=COLLEAGUE_ROLES)
        .select_related("user")
        .order_by("role", "user__username")
    )
    context = {
        "company": company,
        "colleagues": colleagues,
        "may_manage": may_manage_colleagues(request.user, company),
        "roles": [(role.value, role.label) for role in COLLEAGUE_ROLES],
    }
    return render(request, "portal/hr/team.html", context)


@require_POST
@role_required(access.HR)
def colleague_create(request):
    password = password_or_invitation(request)
    try:
        user = colleague_login_create(
            by=request.user,
            company=_company(request),
            role=request.POST.get("role", ""),
            username=request.POST.get("username", ""),
            full_name=request.POST.get("full_name", ""),
            email=request.POST.get("email", ""),
            password=password,
            lead=request.POST.get("lead") == "on",
        )
    except PermissionDenied:
        return render(request, "portal/forbidden.html", status=403)
    except ValidationError as error:
        refusal_messages(request, error)
    else:
        announce_login(request, user, password=password)
    return redirect("portal:team")


@require_POST
@role_required(access.HR)
def colleague_deactivate(request, pk: int):
    membership = get_object_or_404(CompanyMembership.objects.select_related("user"), user_id=pk, company=_company(request))
    try:
        colleague_login_deactivate(by=request.user, user=membership.user)
    except PermissionDenied:
        return render(request, "portal/forbidden.html", status=403)
    except ValidationError as error:
        refusal_messages(request, error)
    else:
        messages.success(request, _("%(username)s no longer signs in.") % {"username": membership.user.get_username()})
    return redirect("portal:team")


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: the new login sets its password, then signs in."""

    template_name = "portal/welcome.html"
    success_url = reverse_lazy("portal:login")
    reset_url_token = "set-password"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return response
