"""The admin pieces every app's admin builds on:

- `CompanyScopedAdmin`: the base of every admin class and inline of ours — the company
  boundary (`access.COMPANY_PATHS`) and the role on every page, action, filter and choice
  list; `HistoryAdmin` adds simple-history's pages, scoped the same way;
- `SuperuserOnlyAdmin`: what other apps' admins (users, tokens, Celery beat) get;
- `EngineRulesFormSet`: an inline formset checked as one whole set through an engine rule
  (the same rule the services use), each row's problems shown on that row;
- `RowsFormSet`: saves inline rows so they may trade their unique keys in one edit;
- `RowHistoryMixin`: an object's history page also lists the changes of its inline rows.

A row a higher app still needs (a payroll run's inputs) is protected through
`core.deletion`, which that app fills in at start-up; a row that fed a closed (approved)
period is neither created, changed nor deleted (`core.periods`): the main form, each inline
row, the delete page and the delete action refuse it with the rule's message.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core import deletion, periods
from core.domain import problems_to_error
from engine import Problem
from organizations import access

ROW_HISTORY_LIMIT = 200


# --- inline rows saved as a set ---------------------------------------------------------


class RowsFormSet(BaseInlineFormSet):
    """Inline rows unique per parent (one band per bound, one salary per date…) may trade
    those keys in one edit — bounds 0/80/100 become 0/100/120, two KPIs swap rows. Saving
    row by row in form order would hit the database's unique constraint half-way, so the
    deletions go first, then each changed row once its new key is free; rows that trade
    keys in a ring are saved as a delete and an insert."""

    def row_keys(self) -> list[tuple[str, ...]]:
        """The fields, besides the parent, of each unconditional unique constraint."""
        return [
            tuple(name for name in constraint.fields if name != self.fk.name)
            for constraint in self.model._meta.constraints
            if isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and self.fk.name in constraint.fields
        ]

    def _keys(self, values: dict[str, Any]) -> set[tuple]:
        return {
            (index, tuple(getattr(values.get(name), "pk", values.get(name)) for name in key))
            for index, key in enumerate(self.row_keys())
        }

    def clean(self) -> None:
        self.refuse_rows()
        super().clean()

    def refuse_rows(self) -> None:
        """Every refusal of a row at once: those of closed periods, then those in use."""
        refused = []
        for check in (self.refuse_rows_of_closed_periods, self.refuse_rows_in_use):
            try:
                check()
            except ValidationError as error:
                refused.extend(error.error_list)
        if refused:
            raise ValidationError(refused)

    def refuse_rows_of_closed_periods(self) -> None:
        """A row added, changed or deleted here that reaches a closed period (a salary
        agreement in force in an approved month, a holiday of one…) is refused, and so the
        whole edit: the rule every path follows (`core.periods`)."""
        refused = []
        for form in self.forms:
            if form.instance.pk is not None and form in self.deleted_forms:
                error = periods.refusal(form.instance, delete=True)
            elif form.has_changed() and not form.errors and form not in self.deleted_forms:
                error = periods.refusal(form.instance)
            else:
                continue
            if error is not None:
                refused.append(ValidationError(error.message, code=error.code))
        if refused:
            raise ValidationError(refused)

    def refuse_rows_in_use(self) -> None:
        """A row a payroll run needs (a stage, a salary agreement, a scheme assignment of a
        calculated period) is not deleted: the rule the API's DELETE follows too."""
        refused = [
            ValidationError(f"{form.instance} cannot be deleted: {'; '.join(blockers)}", code="in_use")
            for form in self.deleted_forms
            if form.instance.pk is not None and (blockers := deletion.reasons(form.instance))
        ]
        if refused:
            raise ValidationError(refused)

    def save_existing_objects(self, commit: bool = True) -> list[models.Model]:
        if not commit or not self.row_keys():
            return super().save_existing_objects(commit)
        self.changed_objects, self.deleted_objects = [], []
        existing = [
            form for form in self.initial_forms if form.instance._is_pk_set() and not form.instance._state.adding
        ]
        deleted = self.deleted_forms
        for form in existing:
            if form in deleted:
                self.deleted_objects.append(form.instance)
                self.delete_existing(form.instance)
        kept = [form for form in existing if form not in deleted]
        held = set().union(*(self._keys(form.initial) for form in kept))
        pending = [form for form in kept if form.has_changed()]
        saved: list[models.Model] = []
        reinsert = []
        while pending:
            ready = [form for form in pending if not (self._keys(form.cleaned_data) - self._keys(form.initial)) & held]
            if not ready:  # a ring of rows trading keys: free one key by deleting its row
                form = pending.pop(0)
                held -= self._keys(form.initial)
                self.delete_existing(form.instance)
                reinsert.append(form)
                continue
            for form in ready:
                pending.remove(form)
                held = (held - self._keys(form.initial)) | self._keys(form.cleaned_data)
                self.changed_objects.append((form.instance, form.changed_data))
                saved.append(self.save_existing(form, form.instance))
        for form in reinsert:
            form.instance.pk = None
            form.instance._state.adding = True
            self.changed_objects.append((form.instance, form.changed_data))
            saved.append(self.save_existing(form, form.instance))
        return saved


class EngineRulesFormSet(RowsFormSet):
    """Inline rows checked as one whole through an engine rule.

    Subclasses turn the rows into the rule's input (`rule_problems`). A problem with a row
    (`Problem.row`, 1-based over the kept rows in the order entered) goes on that row's
    field; the others (the sum of the weights, "at least one row") above the inline. A row
    field that already failed its own validation is not reported twice."""

    def kept_rows(self) -> list[forms.ModelForm]:
        """The rows that will be saved, in the order entered: neither deleted nor blank extras."""
        initial = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if not (self.can_delete and self._should_delete_form(form)) and (index < initial or form.has_changed())
        ]

    def rule_problems(self, rows: Sequence[forms.ModelForm]) -> list[Problem]:
        raise NotImplementedError

    def clean(self) -> None:
        self.refuse_rows()
        rows = self.kept_rows()
        problems = [
            problem
            for problem in self.rule_problems(rows)
            if problem.row is None or problem.field not in rows[problem.row - 1].errors
        ]
        for problem in problems:
            if problem.row is not None:
                form = rows[problem.row - 1]
                field = problem.field if problem.field in form.fields else None
                self.drop_constraint_echoes(form)
                form.add_error(None, problems_to_error([problem], field_map={problem.field or "": field or "__all__"}))
        whole_set = [problem for problem in problems if problem.row is None]
        if whole_set:
            raise ValidationError(
                [error for errors in problems_to_error(whole_set).error_dict.values() for error in errors]
            )
        if not problems and not any(form.errors for form in rows):
            super(RowsFormSet, self).clean()  # Django's own check of unique keys across the rows (rows in use: above)

    def drop_constraint_echoes(self, form: forms.ModelForm) -> None:
        """The model's check constraints are the database's copy of the engine's rules; once
        the engine has said what is wrong with a row, their "Constraint … is violated." only
        repeats it, less clearly."""
        echoes = {
            constraint.get_violation_error_message()
            for constraint in self.model._meta.constraints
            if isinstance(constraint, models.CheckConstraint)
        }
        errors = form.errors.get(NON_FIELD_ERRORS)
        if not errors:
            return
        kept = [error for error in errors.as_data() if next(iter(error)) not in echoes]
        if kept:
            form.errors[NON_FIELD_ERRORS] = form.error_class(kept, error_class="nonfield", renderer=form.renderer)
        else:
            del form.errors[NON_FIELD_ERRORS]


# --- history of inline rows on the parent's history page --------------------------------


def has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


class RowHistoryMixin:
    """The history page of an object also lists, for each inline whose model keeps history,
    every change of its rows: when, who, what (created / changed / deleted) and for a change
    each field's old → new value (`diff_against` the row's previous version)."""

    object_history_template = "admin/history_with_rows.html"

    def row_history_sections(self, request, object_id: str) -> list[dict[str, Any]]:
        sections = []
        for inline in self.inlines:
            model = inline.model
            if not has_history(model):
                continue
            fk = next(
                field
                for field in model._meta.get_fields()
                if field.many_to_one and field.related_model is self.model and inline.fk_name in (None, field.name)
            )
            history = getattr(model, model._meta.simple_history_manager_attribute)
            records = list(
                access.scope_history_for_user(history.filter(**{fk.attname: object_id}), request.user)
                .select_related("history_user")
                ._select_related_history_tracked_objs()
                .order_by("history_date", "history_id")
            )
            previous_by_row: dict[Any, Any] = {}
            entries = []
            for record in records:
                row_pk = getattr(record, model._meta.pk.attname)
                previous = previous_by_row.get(row_pk)
                changes = []
                if previous is not None and record.history_type == "~":
                    delta = record.diff_against(previous, excluded_fields=[fk.name], foreign_keys_are_objs=True)
                    changes = HistoricalRecordContextHelper(model, record).context_for_delta_changes(delta)
                previous_by_row[row_pk] = record
                entries.append({"record": record, "changes": changes})
            entries.reverse()
            sections.append(
                {
                    "title": model._meta.verbose_name_plural,
                    "entries": entries[:ROW_HISTORY_LIMIT],
                    "more": max(len(entries) - ROW_HISTORY_LIMIT, 0),
                }
            )
        return sections

    def history_view(self, request, object_id, extra_context=None):
        base = (
            "simple_history/object_history.html"
            if isinstance(self, SimpleHistoryAdmin)
            else "admin/object_history.html"
        )
        context = {
            "base_history_template": base,
            "row_history_sections": self.row_history_sections(request, unquote(object_id)),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=context)


# --- closed periods ------------------------------------------------------------------------


class ClosedPeriodFormMixin(forms.ModelForm):
    """The admin form of a row that fed a closed period refuses to save it: the rule's
    message above the form (`core.periods`), checked once the row is otherwise valid."""

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # (django-stubs leave it out)
        if self._errors:
            return
        error = periods.refusal(self.instance)
        if error is not None:
            self.add_error(None, ValidationError(error.message, code=error.code))


def closed_period_form(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    if issubclass(form_class, ClosedPeriodFormMixin) or not periods.has_reach(form_class._meta.model):
        return form_class
    return type(form_class.__name__, (ClosedPeriodFormMixin, form_class), {"__module__": form_class.__module__})


# --- the company boundary and the roles, for every admin page -----------------------------

READERS = ("superuser", access.HR, access.FINANCE)
WRITERS = ("superuser", access.HR)


def scope_choices(queryset: models.QuerySet, user) -> models.QuerySet:
    """The rows of a choice list (a foreign key, a filter) the user may pick: by
    `access.COMPANY_PATHS`, the user model by membership; a model it knows nothing of
    offers nothing but to a superuser."""
    if user.is_superuser:
        return queryset
    if queryset.model is get_user_model():
        return queryset.filter(pk__in=access.users_for(user).values("pk"))
    if queryset.model._meta.label_lower in access.COMPANY_PATHS:
        return access.scope_for_user(queryset, user)
    return queryset.none()


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter on a relation (company, KPI, measure…) that lists only the rows the user may see."""

    def field_choices(self, field, request, model_admin):
        visible = scope_choices(field.remote_field.model._default_manager.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to={"pk__in": visible.values("pk")}
        )


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """A filter on a value across a relation (`run__period`): Django reads the values off
    every row of the related model; these are read off the rows the user sees."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request).distinct().order_by(field_path).values_list(field_path, flat=True)
        )


def scoped_list_filter(model: type[models.Model], entry):
    """A `list_filter` entry given by name, with the scoped filter class where Django's own
    would list other companies' rows or values."""
    if not isinstance(entry, str):
        return entry
    field = get_fields_from_path(model, entry)[-1]
    if field.is_relation:
        return (entry, ScopedRelatedFieldListFilter)
    if "__" in entry and not (field.choices or isinstance(field, models.BooleanField | models.DateField)):
        return (entry, ScopedAllValuesFieldListFilter)
    return entry


class CompanyScopedAdmin:
    """The base of every admin class and inline of our models: the company boundary and the
    role, on every page, action, filter, choice list and history view.

    - Rows, choices and filters are the user's company's (and, read-only, the shared
      catalogue), by `access.COMPANY_PATHS`; a superuser sees everything.
    - The role decides, whatever Django permissions the account holds (fail closed): HR
      changes (within its Django permissions), finance only reads (`finance_may_view`),
      anyone else (a marketer, a staff account with no company) gets nothing.
    - An action needs the permissions it declares (`@admin.action(permissions=...)`); one
      that declares none is offered to superusers only.
    """

    finance_may_view = True

    def may_read(self, request) -> bool:
        role = access.user_role(request.user)
        return role in READERS and (role != access.FINANCE or self.finance_may_view)

    def may_write(self, request) -> bool:
        return access.user_role(request.user) in WRITERS

    def row_allowed(self, request, obj, *, write: bool) -> bool:
        """The row (or, for an inline, its parent) is the user's company's; to change it, not shared."""
        if obj is None or request.user.is_superuser:
            return True
        if write and access.is_shared_row(obj):
            return False
        return access.may_see(request.user, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.may_read(request):
            return queryset.none()
        return access.scope_for_user(queryset, request.user)

    def selected(self, request, queryset):
        """An action's rows, checked again against the user's company."""
        return access.scope_for_user(queryset, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and getattr(field, "queryset", None) is not None:
            field.queryset = scope_choices(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and getattr(field, "queryset", None) is not None:
            field.queryset = scope_choices(field.queryset, request.user)
        return field

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.is_superuser:
            return actions
        return {name: action for name, action in actions.items() if getattr(action[0], "allowed_permissions", None)}

    def has_module_permission(self, request):
        return self.may_read(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return (
            self.may_read(request)
            and self.row_allowed(request, obj, write=False)
            and super().has_view_permission(request, obj)
        )

    def has_add_permission(self, request, *args, **kwargs):
        parent = args[0] if args else kwargs.get("obj")  # an inline's: rows are added to a parent
        return (
            self.may_write(request)
            and self.row_allowed(request, parent, write=True)
            and super().has_add_permission(request, *args, **kwargs)
        )

    def has_change_permission(self, request, obj=None):
        return (
            self.may_write(request)
            and self.row_allowed(request, obj, write=True)
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            self.may_write(request)
            and self.row_allowed(request, obj, write=True)
            and super().has_delete_permission(request, obj)
        )

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context=extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """A row of a closed period is refused on save (`ClosedPeriodFormMixin`)."""
        return closed_period_form(super().get_form(request, obj, change=change, **kwargs))

    def get_deleted_objects(self, objs, request):
        """Rows a payroll run needs (an employee in a live run, a KPI set of a calculated
        period…) and rows that fed a closed period are protected: Django's delete page and
        the delete action name them and delete nothing, as the API answers 409 `in_use` or
        `period_closed`."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        closed = [
            f"{obj}: {error.message}" for obj in objs if (error := periods.refusal(obj, delete=True)) is not None
        ]
        blocked = [f"{obj}: {why}" for obj in objs for why in deletion.reasons(obj)]
        return deleted, counts, perms_needed, [*protected, *closed, *blocked]


class SuperuserOnlyAdmin:
    """Another app's admin (users and groups, tokens, Celery beat schedules): no company of
    ours scopes it, so only a superuser reaches it, whatever permissions an account holds."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return request.user.is_superuser and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def restrict_other_apps_to_superusers(site: admin.AdminSite) -> None:
    """Put `SuperuserOnlyAdmin` under every registered admin that is not one of ours
    (auth, knox, axes, django_celery_beat); called once every admin is registered (apps.py)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, CompanyScopedAdmin | SuperuserOnlyAdmin):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (SuperuserOnlyAdmin, cls), {"__module__": cls.__module__}))


class RowsInline(CompanyScopedAdmin, admin.TabularInline):
    """An inline of rows saved as a set (see `RowsFormSet`); no blank rows offered."""

    formset = RowsFormSet
    extra = 0


class HistoryAdmin(CompanyScopedAdmin, RowHistoryMixin, SimpleHistoryAdmin):
    """A model that keeps history: its own versions with each field's old → new value
    (simple-history's "Changes" column), and its inline rows' changes below.

    Its history pages are scoped as its rows: the row must be the user's company's (a
    deleted row: its last version), and only its company's versions are listed. A version
    is shown, but reverting to it (which saves the old row as it was, past the services and
    the inlines) is for a superuser who may change the row."""

    def history_manager(self):
        return getattr(self.model, self.model._meta.simple_history_manager_attribute)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        records = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return access.scope_history_for_user(records, request.user)

    def history_subject(self, request, object_id):
        """The row whose history is asked for if the user may see it (a deleted row: its
        last version), else None."""
        obj = self.get_object(request, object_id)
        if obj is not None:
            return obj
        pk_name = self.model._meta.pk.attname
        try:
            if self.model._default_manager.filter(pk=object_id).exists():
                return None  # there, but another company's
            latest = (
                self.history_manager().filter(**{pk_name: object_id}).order_by("-history_date", "-history_id").first()
            )
        except (ValueError, ValidationError):
            return None
        return latest.instance if latest is not None and access.may_see(request.user, latest.instance) else None

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if self.history_subject(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        object_id = unquote(object_id)
        pk_name = self.model._meta.pk.attname
        try:
            record = (
                access.scope_history_for_user(self.history_manager().all(), request.user)
                .filter(**{pk_name: object_id, "history_id": version_id})
                .first()
            )
        except (ValueError, ValidationError):
            record = None
        if (
            record is None
            or self.history_subject(request, object_id) is None
            or not access.may_see(request.user, record.instance)
        ):
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if request.method == "POST" and not self.may_revert(request, record.instance):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def may_revert(self, request, obj) -> bool:
        return request.user.is_superuser and self.has_change_permission(request, obj)

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or not self.may_revert(request, obj)
