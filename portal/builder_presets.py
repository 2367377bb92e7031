"""The seeds' band tables and scheme (the seeds' example A and B, `compensation.demo`), offered
as starting points on the plan builder's new pages: they fill the form, HR saves it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class BandPreset:
    name: str | Promise
    points: tuple[tuple[str, str], ...]
    mode: str = "step"

    @property
    def decimals(self) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(lower), Decimal(coefficient)) for lower, coefficient in self.points]


@dataclass(frozen=True)
class SchemePreset:
    name: str | Promise
    kpis: tuple[tuple[str, str], ...]  # (factor name, KPI code) in position order
    bands: str  # the BAND_PRESETS key of the table it is read through


BAND_PRESETS = {
    "seed": BandPreset(gettext_lazy("Seed bands (0 / 80 / 100)"), (("0", "0"), ("80", "0.5"), ("100", "1"))),
    "scorecard": BandPreset(
        gettext_lazy("Scorecard bands"), (("0", "0"), ("70", "0.5"), ("90", "0.8"), ("100", "1"), ("120", "1.3"))
    ),
}
SCHEME_PRESETS = {
    "leads_cpl": SchemePreset(gettext_lazy("Leads × cost per lead"), (("k1", "leads"), ("k2", "cpl")), "seed"),
}
