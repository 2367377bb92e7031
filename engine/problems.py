"""Rule violations the domain reports, in words a person understands.

Every validation rule lives once in the engine; Django models, admin formsets, the API and
imports all turn the same `Problem`s into their own error shapes.
"""

from dataclasses import dataclass
from typing import Any


def gettext_noop(text: str) -> str:
    """Marks `text` for the translation catalogue (Django's makemessages finds this name);
    the engine imports no Django, so a face translates it (`core.domain.problem_text`)."""
    return text


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sentence with `{name}` placeholders, as a `Problem`'s param: a face translates it
    (and the phrases in its params) before filling the sentence around it."""

    text: str
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return self.text.format(**dict(self.params)) if self.params else self.text


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule. `field` names the attribute, `row` the 1-based row of a list. `text`
    is the English sentence, with `{name}` placeholders filled from `params`, so a face can
    translate the sentence and then fill it."""

    code: str
    text: str
    field: str | None = None
    row: int | None = None
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def message(self) -> str:
        return self.text.format(**dict(self.params)) if self.params else self.text

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.message}"


def problem(code: str, text: str, field: str | None = None, row: int | None = None, /, **params: Any) -> Problem:
    """A `Problem` whose sentence `text` has `{name}` placeholders for `params`."""
    return Problem(code, text, field, row, tuple(params.items()))


class RuleViolation(ValueError):
    """Raised with every problem found, never only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
