"""schemathesis hooks that steer generated requests toward real rows: half the generated ids
and references are swapped for rows that exist, so requests get past "not found" into
validation and the services.

Shared by `tests/api/test_schema_fuzz.py` (in process, which calls `use_rows`) and
`bench/fuzz.py` (the schemathesis CLI against a live server: `SCHEMATHESIS_HOOKS=tests.api.fuzz_hooks`,
the rows read from the JSON file named by `FUZZ_ROWS`). No Django here: the CLI process has none."""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

# resource → id of a real row, and the names of references in request bodies → id.
ROWS: dict[str, int] = {}
REFERENCES: dict[str, int] = {}
# Resources whose history the API keeps (`api.history.TRACKED`).
HISTORY: list[str] = []
REFERENCE_RESOURCES = {
    "employee": "employees",
    "scheme": "bonus-schemes",
    "band_table": "band-tables",
    "kpi_set": "kpi-sets",
    "kpi": "catalogue-kpi",
    "measure": "catalogue-measure",
    "company": "companies",
    "run": "payroll-runs",
}


def use_rows(rows: dict[str, int], history: list[str]) -> None:
    ROWS.update(rows)
    REFERENCES.update({name: rows[resource] for name, resource in REFERENCE_RESOURCES.items() if resource in rows})
    HISTORY[:] = sorted(set(history) & set(rows))


if os.environ.get("FUZZ_ROWS"):
    with open(os.environ["FUZZ_ROWS"]) as file:
        saved = json.load(file)
    use_rows(saved["rows"], saved["history"])


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Either the generated ids, or a real row of the operation's resource."""
    if not path_parameters or "id" not in path_parameters or not ROWS:
        return st.just(path_parameters)
    resource = _resource(context.operation.path)
    if resource == "history":
        if not HISTORY:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters), st.sampled_from(HISTORY).map(lambda name: {"resource": name, "id": ROWS[name]})
        )
    if resource not in ROWS:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, "id": ROWS[resource]}])


def _with_references(value):
    if isinstance(value, dict):
        return {k: REFERENCES[k] if k in REFERENCES else _with_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_references(item) for item in value]
    return value


@schemathesis.hook
def flatmap_body(context, body):
    """Either the generated body, or the same with its references pointing at real rows."""
    if not isinstance(body, dict) or not REFERENCES:
        return st.just(body)
    return st.sampled_from([body, _with_references(body)])
