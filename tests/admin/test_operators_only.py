"""Issue 14, item 2: the admin answers active superusers only. HR, finance and marketers who
open it, signed in or signing in there, get a page in the portal's look that says the admin
is for administrators and links to the portal; anonymous visitors get the admin's login;
django-axes still counts and locks out the admin's wrong passwords."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.test import Client

from compensation.demo import DEMO_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def demo():
    return seed_demo()


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def is_explanation(response) -> bool:
    return (
        response.status_code == 403
        and "admin/operators_only.html" in [template.name for template in response.templates]
        and 'data-testid="operators-only"' in response.content.decode()
    )


def test_the_demo_gives_the_admin_to_the_superuser_alone():
    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"admin"}
    assert not User.objects.filter(username__in=["hr", "hr2", "finance", "marketer"], groups__isnull=False).exists()


@pytest.mark.parametrize("username", ["hr", "hr2", "finance", "marketer"])
def test_a_signed_in_non_superuser_gets_the_explanation_with_a_link_to_the_portal(username):
    client = signed_in(username)

    for path in ("/admin/", "/admin/login/", "/admin/organizations/employee/", "/admin/no/such/page/"):
        response = client.get(path)
        assert is_explanation(response), path
        assert 'href="/portal/"' in response.content.decode()
        assert "no-cache" in response["Cache-Control"]


def test_even_a_staff_account_with_every_permission_is_refused():
    user = User.objects.get(username="hr")
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())

    assert is_explanation(signed_in("hr").get("/admin/kpis/plan/"))


def test_an_hr_user_is_pointed_at_the_portal_page_for_what_the_admin_page_held():
    page = signed_in("hr").get("/admin/organizations/employee/").content.decode()
    assert 'href="/portal/hr/people/"' in page
    assert 'href="/portal/hr/people/"' not in signed_in("finance").get("/admin/organizations/employee/").content.decode()


def test_an_inactive_superuser_is_refused():
    client = signed_in("admin")
    User.objects.filter(username="admin").update(is_active=False)

    response = client.get("/admin/organizations/employee/")

    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_an_anonymous_visitor_gets_the_admin_login():
    client = Client()

    index = client.get("/admin/")
    login = client.get(index.url)

    assert index.status_code == 302 and index.url == LOGIN
    assert login.status_code == 200 and "admin/login.html" in [t.name for t in login.templates]


@pytest.mark.parametrize("username", ["hr", "finance", "marketer"])
def test_a_non_superuser_signing_in_to_the_admin_is_refused_with_the_explanation(username):
    client = Client()

    response = client.post(LOGIN, {"username": username, "password": DEMO_PASSWORD})

    assert is_explanation(response)
    assert 'href="/portal/login/"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still anonymous: to the login


def test_a_wrong_password_gets_the_admin_login_form_again_and_is_counted():
    client = Client()

    response = client.post(LOGIN, {"username": "hr", "password": "wrong"})

    assert response.status_code == 200 and "admin/login.html" in [t.name for t in response.templates]
    assert AccessAttempt.objects.get(username="hr").failures_since_start == 1


def test_the_superuser_signs_in_and_works():
    client = Client()

    response = client.post(LOGIN, {"username": "admin", "password": DEMO_PASSWORD})

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/organizations/employee/").status_code == 200


def test_a_signed_in_hr_user_may_still_sign_in_as_the_superuser():
    client = signed_in("hr")

    response = client.post(LOGIN, {"username": "admin", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_axes_locks_out_the_admin_login_before_the_explanation():
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "hr", "password": "wrong"})

    response = client.post(LOGIN, {"username": "hr", "password": DEMO_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_explanation_speaks_the_readers_language():
    client = signed_in("hr")

    russian = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    uzbek = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="uz").content.decode()

    assert "Администрирование — для администраторов" in russian
    assert "Boshqaruv paneli — administratorlar uchun" in uzbek


def test_the_portal_shows_the_administration_link_to_superusers_only():
    hr = User.objects.get(username="hr")
    hr.is_staff = True  # staff or not, HR works in the portal
    hr.save()

    hr_page = signed_in("hr").get("/portal/hr/people/").content.decode()
    superuser_page = signed_in("admin").get("/portal/hr/people/").content.decode()

    assert 'href="/admin/"' not in hr_page
    assert 'href="/admin/"' in superuser_page
