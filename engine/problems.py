"""Rule violations the domain reports, in words a person understands.

Every validation rule lives once in the engine; Django models, admin formsets, the API and
imports all turn the same `Problem`s into their own error shapes.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule. `field` names the attribute, `row` the 1-based row of a list."""

    code: str
    message: str
    field: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.message}"


class RuleViolation(ValueError):
    """Raised with every problem found, never only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
