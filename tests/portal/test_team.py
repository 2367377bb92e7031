"""HR's team page and invitations (issue 14, item 1): an HR lead adds HR and finance colleagues
with a temporary password or a set-password link; the link sets the password once; nobody
else adds or removes colleagues, and nobody sees another company's logins."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from organizations.models import CompanyMembership, Employee
from organizations.services import colleague_login_create, colleague_login_deactivate
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
STRONG = "Plan-2026-leads!"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _signs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("portal:login"), {"username": username, "password": password})
    return response.status_code == 302


def _link(html: str) -> str:
    found = re.search(r"(http://testserver/portal/welcome/[^/\s<]+/[^/\s<]+/)", html)
    assert found, "no set-password link on the page"
    return found.group(1).removeprefix("http://testserver")


def test_the_hr_lead_adds_a_finance_colleague_with_a_temporary_password(demo):
    page = signed_in("hr").post(
        reverse("portal:colleague_create"),
        {"role": "finance", "full_name": "Farida Pay", "username": "farida", "password": STRONG, "how": "password"},
        follow=True,
    )

    assert "Farida Pay signs in as farida with the password you set" in page.content.decode()
    membership = CompanyMembership.objects.get(user__username="farida")
    assert (membership.company, membership.role, membership.is_lead) == (demo, "finance", False)
    assert _signs_in("farida", STRONG)
    assert 'data-colleague="farida"' in signed_in("hr").get(reverse("portal:team")).content.decode()


def test_an_invitation_link_sets_the_password_once_and_is_mailed_when_there_is_an_address(demo):
    page = signed_in("hr").post(
        reverse("portal:colleague_create"),
        {"role": "hr", "full_name": "Hamid Lead", "username": "hamid", "email": "hamid@example.com", "how": "link", "lead": "on"},
        follow=True,
    ).content.decode()
    link = _link(page)
    user = User.objects.get(username="hamid")
    assert not user.has_usable_password() and user.membership.is_lead
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hamid@example.com"] and link in mail.outbox[0].body

    guest = Client()
    form = guest.get(link, follow=True)
    assert "Your username is hamid" in form.content.decode()
    done = guest.post(form.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG}, follow=True)
    assert "Your password is set" in done.content.decode()
    assert _signs_in("hamid", STRONG)

    again = Client().get(link, follow=True).content.decode()
    assert "This link has been used or has expired" in again


def test_a_marketers_login_can_be_created_with_a_link_instead_of_a_password(demo):
    newcomer = Employee.objects.get(company=demo, personnel_number="DEMO-B")
    page = signed_in("hr").post(
        reverse("portal:person_login", args=[newcomer.pk]), {"username": "demo.b", "how": "link"}, follow=True
    ).content.decode()

    link = _link(page)
    assert "pass it on" in page and mail.outbox == []  # no address: HR passes the link on
    newcomer.refresh_from_db()
    assert newcomer.user.username == "demo.b" and not newcomer.user.has_usable_password()
    guest = Client()
    form = guest.get(link, follow=True)
    guest.post(form.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG})
    assert _signs_in("demo.b", STRONG)


def test_bad_input_is_named_and_creates_nothing(demo):
    page = signed_in("hr").post(
        reverse("portal:colleague_create"),
        {"role": "marketer", "full_name": "", "username": "FINANCE", "password": "short", "how": "password"},
        follow=True,
    ).content.decode()

    assert "role: choose HR or finance" in page
    assert "full_name: the name is missing" in page
    assert "username: the username FINANCE is taken" in page
    assert "password: " in page
    assert User.objects.filter(username__iexact="finance").count() == 1


def test_only_an_hr_lead_adds_or_removes_colleagues(demo):
    hr2 = signed_in("hr2")  # HR, not a lead
    assert "Only an HR lead adds or removes colleagues" in hr2.get(reverse("portal:team")).content.decode()
    response = hr2.post(
        reverse("portal:colleague_create"), {"role": "hr", "full_name": "X", "username": "x", "password": STRONG, "how": "password"}
    )
    assert response.status_code == 403 and not User.objects.filter(username="x").exists()
    finance = User.objects.get(username="finance")
    assert hr2.post(reverse("portal:colleague_deactivate", args=[finance.pk])).status_code == 403
    finance.refresh_from_db()
    assert finance.is_active


def test_the_lead_removes_a_colleague_who_then_cannot_sign_in_but_not_themselves(demo):
    lead = signed_in("hr")
    finance = User.objects.get(username="finance")
    lead.post(reverse("portal:colleague_deactivate", args=[finance.pk]))
    finance.refresh_from_db()
    assert not finance.is_active and not _signs_in("finance", "demo12345")

    hr = User.objects.get(username="hr")
    page = lead.post(reverse("portal:colleague_deactivate", args=[hr.pk]), follow=True).content.decode()
    assert "you cannot remove your own login" in page
    hr.refresh_from_db()
    assert hr.is_active


def test_another_companys_logins_are_never_seen_or_removed(demo):
    elsewhere = CompanyFactory()
    stranger = User.objects.create_user(username="stranger-hr", password=STRONG)
    CompanyMembership.objects.create(user=stranger, company=elsewhere, role="hr", is_lead=True)

    assert "stranger-hr" not in signed_in("hr").get(reverse("portal:team")).content.decode()
    assert signed_in("hr").post(reverse("portal:colleague_deactivate", args=[stranger.pk])).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active
    # and their lead cannot reach the demo's
    finance = User.objects.get(username="finance")
    with pytest.raises(Exception) as refused:
        colleague_login_deactivate(by=stranger, user=finance)
    assert type(refused.value).__name__ == "PermissionDenied"


@pytest.mark.parametrize("username", ["marketer", "finance", None])
def test_the_team_pages_are_hr_only(demo, username):
    client = signed_in(username) if username else Client()
    for method, url in [
        ("get", reverse("portal:team")),
        ("post", reverse("portal:colleague_create")),
        ("post", reverse("portal:colleague_deactivate", args=[User.objects.get(username="finance").pk])),
    ]:
        response = getattr(client, method)(url, {"role": "hr", "full_name": "X", "username": "y", "password": STRONG})
        if username is None:
            assert response.status_code == 302 and "/login/" in response["Location"]
        else:
            assert response.status_code == 403
    assert not User.objects.filter(username="y").exists()


def test_a_superuser_may_add_colleagues_to_any_company_through_the_service(demo):
    admin = User.objects.get(username="admin")
    user = colleague_login_create(by=admin, company=demo, role="hr", username="hr3", full_name="Third HR", lead=True)
    assert user.membership.is_lead and not user.has_usable_password()
