"""Every admin URL × every role × the own company's row, the other company's and a shared
catalogue row: the status, that no page shows the other company's names or personnel
numbers, and that nothing is written unless the role may write it.

The URLs come from `admin.site._registry`: a newly registered model with no line in
`POLICY` (or `OTHER_APPS`) fails `test_every_registered_admin_has_a_policy`, and its pages
enter the matrix as soon as it has one. The acting users are the demo company's
(`admin_world`: every staff login holds every Django permission, so only the role and the
company decide); "other" is the other company's row. A write is found by comparing a digest
of every table (but the sessions) before and after each request."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from organizations import access
from organizations.admin_base import CompanyScopedAdmin, SuperuserOnlyAdmin
from tests.admin.conftest import ADMIN_ROLES, form_data

pytestmark = pytest.mark.django_db

# What each role may do in the admin on its own company's rows: v view, a add, c change
# (the change form), d delete. A role not named may do nothing (a marketer, a staff login
# with no company); anonymous is sent to the login page. On the other company's rows only
# the superuser acts.
WRITES = {"superuser": "vacd", "hr": "vacd", "finance": "v"}
POLICY: dict[str, dict[str, str]] = {
    "organizations.company": {"superuser": "vacd", "hr": "vc", "finance": "v"},
    "organizations.companymembership": WRITES,
    "organizations.employee": WRITES,
    "compensation.bandtable": WRITES,
    "compensation.bonusscheme": WRITES,
    "kpis.measure": WRITES,
    "kpis.kpi": WRITES,
    "kpis.kpiset": WRITES,
    "kpis.plan": WRITES,
    "kpis.measurevalue": WRITES,
    "kpis.importlog": {"superuser": "vd", "hr": "v", "finance": "v"},  # written by the imports
    "payroll.payrollrun": {"superuser": "va", "hr": "va", "finance": "v"},  # moved on by actions, kept
    "payroll.payout": {"superuser": "v", "hr": "v", "finance": "v"},  # written by the runs
    "payroll.adjustment": {"superuser": "vad", "hr": "vad"},  # HR's, as in the API
}
# The actions each role is offered (and may run on its own company's rows).
ACTIONS: dict[str, dict[str, set[str]]] = {
    "payroll.payrollrun": {
        "superuser": {"recalculate", "approve", "mark_paid", "cancel"},
        "hr": {"recalculate", "approve", "cancel"},
    },
    "kpis.kpiset": {
        "superuser": {"activate", "copy_preset", "delete_selected"},
        "hr": {"activate", "copy_preset", "delete_selected"},
    },
}
# Other apps' admins: a superuser's only.
NO_ADD_PAGE = {"axes.accessattempt", "axes.accessfailurelog", "axes.accesslog"}
OTHER_APPS = {
    "auth.user",
    "auth.group",
    "knox.authtoken",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "django_celery_beat.periodictask",
    "django_celery_beat.intervalschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.clockedschedule",
}
# The world's own row of a model, where one is meant (a calculated run, the marketer's payout).
WORLD_IDS = {"payroll.payrollrun": "payroll-runs", "payroll.payout": "payouts", "organizations.employee": "employees"}
# Which row to take otherwise (not the acting HR's own membership: deleting it ends the test).
# A plan or measure value of an open period (2026-10 is approved: closed, tests/closing/).
ROW_FILTERS = {
    "organizations.companymembership": {"role": "marketer"},
    "kpis.plan": {"period": "2026-11"},
    "kpis.measurevalue": {"period": "2026-11"},
}
OTHER_MARKERS = (
    "Other Agency",
    "Other O-1",
    "Other O-2",
    "other_hr",
    "other_finance",
    "other_marketer",
    "Other bands",
    "Other leads",
    "other_calls",
    "Unity Day",
    "other-plans.xlsx",
)
LOGIN = "/admin/login/"


def label_of(model) -> str:
    return model._meta.label_lower


def ours() -> list[str]:
    return sorted(label_of(model) for model in admin.site._registry if label_of(model) not in OTHER_APPS)


def url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def tracked(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def snapshot() -> dict[str, str]:
    """A digest of each table's rows, but the sessions' (logging in writes one)."""
    tables = [name for name in connection.introspection.table_names() if name != "django_session"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT '{name}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{name}\" t"
                    for name in tables
                )
            )
            return dict(cursor.fetchall())
        digests = {}
        for name in tables:
            cursor.execute(f'SELECT * FROM "{name}"')
            digests[name] = str(sorted(map(repr, cursor.fetchall())))
        return digests


def writes_so_far() -> object:
    """What tells one request's writes: on PostgreSQL the rows this transaction has
    inserted, updated or deleted so far (any write counts, even one that changes nothing);
    elsewhere the digest of every table."""
    if connection.vendor != "postgresql":
        return snapshot()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname <> 'django_session' AND n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return dict(cursor.fetchall())


def changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def row(label: str, side) -> int | None:
    """One row of the model that belongs to the side's company, by `COMPANY_PATHS`."""
    if label in WORLD_IDS:
        return side.ids[WORLD_IDS[label]]
    model = apps.get_model(label)
    path = access.COMPANY_PATHS[label][0]
    rows = model._default_manager.filter(**{path: side.company.pk}, **ROW_FILTERS.get(label, {}))
    return rows.order_by("pk").values_list("pk", flat=True).first()


def shared_row(label: str) -> int | None:
    path, shared = access.COMPANY_PATHS[label]
    if not shared:
        return None
    model = apps.get_model(label)
    return (
        model._default_manager.filter(**{f"{path}__isnull": True}).order_by("pk").values_list("pk", flat=True).first()
    )


def all_actions(label: str, superuser) -> list[str]:
    request = RequestFactory().get("/")
    request.user = superuser
    return sorted(admin.site._registry[apps.get_model(label)].get_actions(request))


class Checker:
    """Sends requests as the role; collects every wrong status, shown marker and write."""

    def __init__(self, client: Client, role: str):
        self.client, self.role = client, role
        self.problems: list[str] = []

    def __call__(self, method: str, path: str, data=None, *, status, may_write: bool = False, must_write=False) -> None:
        before = writes_so_far()
        response = getattr(self.client, method)(path, data or {})
        after = writes_so_far()
        where = f"{method.upper()} {path} as {self.role}"
        allowed = status if isinstance(status, tuple) else (status,)
        if response.status_code not in allowed:
            self.problems.append(f"{where}: {response.status_code}, expected {allowed}")
        if self.role != "superuser":
            text = response.content.decode(errors="replace")
            if leaked := [marker for marker in OTHER_MARKERS if marker in text]:
                self.problems.append(f"{where}: shows {leaked}")
        if not (may_write or must_write) and (tables := changed(before, after)):
            self.problems.append(f"{where}: wrote {tables}")
        if must_write and not changed(before, after):
            self.problems.append(f"{where}: saved nothing")
        self.last = response

    def done(self) -> None:
        assert not self.problems, "\n".join(self.problems)


_FORMS: dict[str, dict] = {}


def superuser_form(client: Client, path: str) -> dict:
    """The POST data of a form page as the superuser sees it (the same for every role's test)."""
    if path not in _FORMS:
        response = client.get(path)
        _FORMS[path] = form_data(response) if response.status_code == 200 and "adminform" in response.context else {}
    return _FORMS[path]


def expected(can: str, letter: str, target: str, role: str, *, found: int = 302) -> int | tuple[int, ...]:
    """The status of a page on a target row: allowed → 200 (a POST: 200 or 302); the other
    company's row for a role that may act → the "doesn't exist" redirect; refused → 403."""
    if letter not in can:
        return 403
    if target == "other" and role != "superuser":
        return found
    return 200


@pytest.fixture
def as_role(admin_world, db):
    def make(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(admin_world.user(role))
        return client

    return make


def test_every_registered_admin_has_a_policy():
    registered = {label_of(model): model_admin for model, model_admin in admin.site._registry.items()}

    assert set(registered) == set(POLICY) | (OTHER_APPS & set(registered))
    for label, model_admin in registered.items():
        base = SuperuserOnlyAdmin if label in OTHER_APPS else CompanyScopedAdmin
        assert isinstance(model_admin, base), label
        for inline in model_admin.inlines if label not in OTHER_APPS else ():
            assert issubclass(inline, CompanyScopedAdmin), (label, inline)
        assert label in OTHER_APPS or label in access.COMPANY_PATHS, label


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("label", ours())
def test_admin_pages(admin_world, as_role, label, role):
    model = apps.get_model(label)
    can = POLICY[label].get(role, "")
    check = Checker(as_role(role), role)
    superuser = as_role("superuser")
    targets = {"own": row(label, admin_world.demo), "other": row(label, admin_world.other), "shared": shared_row(label)}
    assert targets["own"] and targets["other"], f"add a {label} row of each company to admin_world"
    before = snapshot()

    if role == "anonymous":
        for path in (url(label, "changelist"), url(label, "add"), url(label, "change", targets["own"])):
            check("get", path, status=302)
            assert check.last.url.startswith(LOGIN), path
        check("post", url(label, "change", targets["own"]), {}, status=302)
        check("post", url(label, "delete", targets["own"]), {"post": "yes"}, status=302)
        check.done()
        assert changed(before, snapshot()) == []
        return

    check("get", url(label, "changelist"), status=200 if "v" in can else 403)
    if "v" in can:
        action_form = check.last.context["action_form"]
        offered = set(dict(action_form.fields["action"].choices)) - {""} if action_form else set()
        assert offered == ACTIONS.get(label, {}).get(role, {"delete_selected"} if "d" in can else set()), offered
    check("get", url(label, "add"), status=200 if "a" in can else 403)

    refused_elsewhere = (302, 403)  # another company's row: "doesn't exist", or no permission at all
    for target, pk in targets.items():
        if pk is None:
            continue
        # A shared row is read by everyone who reads, written only by a superuser.
        writes = can if target != "shared" or role == "superuser" else can.replace("c", "").replace("d", "")
        mine = target != "other" or role == "superuser"
        change, delete = url(label, "change", pk), url(label, "delete", pk)

        check("get", change, status=expected(can, "v", target, role))
        check("get", delete, status=expected(writes, "d", target, role))
        check("get", url(label, "history", pk), status=expected(can, "v", target, role))
        saves = "c" in writes and mine
        check(
            "post",
            change,
            superuser_form(superuser, change),  # the form as it is: saved, with history
            status=302 if saves else 403 if mine else refused_elsewhere,
            must_write=saves,
        )

        version = model.history.filter(id=pk).order_by("-history_id").first() if tracked(model) else None
        if version is not None:
            form = url(label, "simple_history", pk, version.history_id)
            check("get", form, status=expected(can, "v", target, role))
            reverts = role == "superuser" and "c" in can
            check(
                "post",
                form,
                superuser_form(superuser, form),
                status=302 if reverts else 403 if mine else refused_elsewhere,
                must_write=reverts,
            )

        deletes = "d" in writes and mine
        offered = ACTIONS.get(label, {}).get(role, {"delete_selected"} if "d" in can else set())
        for action in all_actions(label, admin_world.superuser):
            data = {"action": action, "_selected_action": [pk], "post": "yes", "apply": "1"}
            runs = action in offered and mine and (action != "delete_selected" or deletes)
            # delete_selected of a row the role may not delete: Django's "permission denied" page
            status = (200, 302) if "v" in can else 403
            status = (*status, 403) if action == "delete_selected" and not runs and "v" in can else status
            check(
                "post",
                url(label, "changelist"),
                {**data, "company": admin_world.demo.company.pk},
                status=status,
                may_write=runs,
            )

        check(
            "post",
            delete,
            {"post": "yes"},
            status=(200, 302) if deletes else 403 if mine else refused_elsewhere,
            may_write=deletes,
        )

    check.done()
    if not POLICY[label].get(role, "").strip("v"):  # a role that may write nothing here wrote nothing
        assert changed(before, snapshot()) == []


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("label", sorted(OTHER_APPS))
def test_other_apps_admin_pages_are_a_superusers(admin_world, as_role, label, role):
    model = apps.get_model(label)
    if model not in admin.site._registry:
        pytest.skip(f"{label} is not registered here")
    check = Checker(as_role(role), role)
    status = {"superuser": 200, "anonymous": 302}.get(role, 403)
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:1])

    check("get", url(label, "changelist"), status=status)
    # axes' records of login attempts are written by axes alone: not even a superuser adds one.
    check("get", url(label, "add"), status=403 if role == "superuser" and label in NO_ADD_PAGE else status)
    for pk in pks:
        check("get", url(label, "change", pk), status=status)
        check("get", url(label, "history", pk), status=status)
        check(
            "post",
            url(label, "delete", pk),
            {"post": "yes"},
            status={"superuser": 302, "anonymous": 302}.get(role, 403),
            may_write=role == "superuser",
        )
    check.done()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_index_pages_show_no_other_company(admin_world, as_role, role):
    check = Checker(as_role(role), role)

    check("get", reverse("admin:index"), status=302 if role == "anonymous" else 200)
    for app_label in ("organizations", "compensation", "kpis", "payroll", "auth", "django_celery_beat"):
        allowed = role == "superuser" or (
            role in ("hr", "finance") and app_label in ("organizations", "compensation", "kpis", "payroll")
        )
        check(
            "get",
            reverse("admin:app_list", args=[app_label]),
            status=200 if allowed else (302 if role == "anonymous" else 404),
        )
    check.done()


def test_the_write_check_would_see_a_write(admin_world, as_role):
    """The check can fail: a save it is not told to expect is reported."""
    superuser = as_role("superuser")
    change = url("organizations.employee", "change", row("organizations.employee", admin_world.demo))
    check = Checker(superuser, "superuser")

    check("post", change, {**superuser_form(superuser, change), "full_name": "Renamed"}, status=302)

    assert [problem for problem in check.problems if "wrote" in problem and "compensation_employee" in problem]


def test_the_markers_would_be_seen(admin_world, as_role):
    """The check can fail: the superuser's pages of the other company's rows show them."""
    superuser = as_role("superuser")
    employee = row("organizations.employee", admin_world.other)

    page = superuser.get(url("organizations.employee", "change", employee)).content.decode()
    history = superuser.get(url("organizations.employee", "history", employee)).content.decode()

    assert "Other O-1" in page and "Other Agency" in page
    assert "Other O-1" in history


# The views of each admin's URLs that the tests above cover, and the extra ones covered below.
STANDARD_VIEWS = {"changelist", "add", "change", "delete", "history", "simple_history"}
IMPORT_VIEWS = {"import", "import_template"}


def label_views(label: str) -> set[str]:
    """The view names of an admin's URLs (`changelist`, `import`…)."""
    model = apps.get_model(label)
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    return {pattern.name.removeprefix(prefix) for pattern in admin.site._registry[model].get_urls() if pattern.name}


def test_every_admin_url_is_in_the_matrix():
    for label in ours():
        assert label_views(label) - STANDARD_VIEWS <= IMPORT_VIEWS, (label, label_views(label) - STANDARD_VIEWS)


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("label", sorted(label for label in ours() if "import" in label_views(label)))
def test_import_pages(admin_world, as_role, label, role):
    check = Checker(as_role(role), role)
    may = role in ("superuser", "hr")
    status = 200 if may else 302 if role == "anonymous" else 403
    upload = SimpleUploadedFile("plans.csv", b"personnel_number,period,code,value\nO-1,2026-12,leads,1\n")

    check("get", url(label, "import"), status=status)
    if may and role == "hr":
        assert list(check.last.context["form"].fields["company"].queryset) == [admin_world.demo.company]
    check("get", url(label, "import_template", "csv"), status=status)
    check(
        "post",
        url(label, "import"),
        {"company": admin_world.other.company.pk, "file": upload},
        status=status,
        may_write=role == "superuser",
    )
    if role == "hr":
        assert "company" in check.last.context["form"].errors
    check.done()


def autocomplete_fields() -> list[tuple[str, str]]:
    return sorted(
        (label_of(model), name)
        for model, model_admin in admin.site._registry.items()
        if label_of(model) not in OTHER_APPS
        for name in model_admin.autocomplete_fields
    )


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize(("label", "field_name"), autocomplete_fields())
def test_autocomplete_offers_only_the_own_company(admin_world, as_role, label, field_name, role):
    app_label, model_name = label.split(".")
    related = apps.get_model(label)._meta.get_field(field_name).related_model
    check = Checker(as_role(role), role)
    query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    status = {"superuser": 200, "hr": 200, "finance": 200, "anonymous": 302}.get(role, 403)

    for term in ("", "Other", "O-"):
        check("get", "/admin/autocomplete/", {**query, "term": term}, status=status)
        if check.last.status_code == 200 and role != "superuser":
            offered = {int(result["id"]) for result in check.last.json()["results"]}
            visible = set(
                access.scope_for_user(related.objects.all(), admin_world.user(role)).values_list("pk", flat=True)
            )
            assert offered <= visible, (term, offered - visible)
    check.done()
