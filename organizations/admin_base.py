"""The admin pieces every app's admin builds on (the admin is for superusers only:
config.admin_site):

- `DomainRulesAdmin`: the base of every admin class of ours — the closed-period and
  rows-in-use rules on its forms and delete pages; `HistoryAdmin` adds simple-history's pages;
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
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core import deletion, periods
from core.domain import problems_to_error
from engine import Problem

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
                history.filter(**{fk.attname: object_id})
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


# --- the domain's rules on every admin page ------------------------------------------------


class DomainRulesAdmin:
    """The base of every admin class of our models. Only superusers reach the admin
    (config.admin_site), so nothing here is scoped to a company; what stays are the domain's
    rules a form alone would not check: a row of a closed period is not saved or deleted, and
    a row a payroll run needs is not deleted."""

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


class RowsInline(admin.TabularInline):
    """An inline of rows saved as a set (see `RowsFormSet`); no blank rows offered."""

    formset = RowsFormSet
    extra = 0


class HistoryAdmin(DomainRulesAdmin, RowHistoryMixin, SimpleHistoryAdmin):
    """A model that keeps history: its own versions with each field's old → new value
    (simple-history's "Changes" column), and its inline rows' changes below.

    Reverting to a version saves the old row as it was, past the services and the inlines:
    the closed-period rule still refuses it (`get_form`), and a row that is never changed in
    place (an adjustment) is not reverted either."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
            try:
                record = history.filter(**{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id}).first()
            except (ValueError, ValidationError):
                record = None
            if record is not None and not self.has_change_permission(request, record.instance):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
