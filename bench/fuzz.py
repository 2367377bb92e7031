"""schemathesis against a live gunicorn, as HR and as a marketer: server errors and schema
violations of every API operation.

Run from the repository root (not part of `make test`):

    .venv/bin/python bench/fuzz.py [--examples 50] [--roles hr,marketer] [--phases examples,fuzzing] [--keep]

It creates its own database (`marketer_bonus_fuzz` on BENCH_FUZZ_DATABASE_URL's server,
dropped at the end unless --keep), migrates it, builds the API tests' two companies (people,
pay, schemes, plans, measures, an approved and a calculated run each:
`tests/api/conftest.py`), and serves it with `gunicorn config.wsgi` on a free port of
127.0.0.1 with DEBUG off (Celery eager: a started run is computed in the request). For each
role it signs in through `POST /api/v1/auth/token/` and runs `schemathesis run` on the
served schema with that token, N examples per operation (positive and negative data), half
the ids and references swapped for real rows (`tests/api/fuzz_hooks.py`), the checks
not_a_server_error, status_code_conformance, content_type_conformance and
response_schema_conformance. It prints, per role, the operations, the requests sent, the
server errors and the schema violations (schemathesis' unique failures, each with its
operation), the tracebacks in gunicorn's log, and exits 1 if there was any. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import free_port, machine, start_gunicorn, stop_gunicorn  # noqa: E402
from bench.payroll import drop_database  # noqa: E402

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
PASSWORD = "fuzz-Passw0rd-1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=50, help="examples per operation and phase")
    parser.add_argument("--roles", default="hr,marketer", help="demo users to sign in as (comma-separated)")
    parser.add_argument("--phases", default="examples,fuzzing", help="schemathesis phases (coverage adds hundreds a path)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", help="fuzz only the operations whose path matches this regular expression")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def build_world() -> dict:
    """The API tests' two companies; every user's password set to PASSWORD. Returns the
    demo company's rows for the hooks."""
    from django.contrib.auth.models import User

    from api.history import TRACKED
    from kpis.models import Kpi, Measure
    from tests.api.conftest import _build_demo, _build_other

    demo = _build_demo()
    _build_other()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    rows = {
        **demo.ids,
        "catalogue-kpi": Kpi.objects.get(company=None, code="leads").pk,
        "catalogue-measure": Measure.objects.get(company=None, code="leads").pk,
    }
    return {"rows": rows, "history": sorted(TRACKED)}


def sign_in(base: str, username: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def fuzz(base: str, token: str, args, report: Path, env: dict[str, str]) -> tuple[int, int, list[tuple[str, str, str]]]:
    """One `schemathesis run`; returns (operations tested, test cases, [(kind, operation, what)]),
    kind "server" for a server error (schemathesis' ServerError) and "schema" for any other
    failed check."""
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/api/schema/",
        "-H", f"Authorization: Token {token}", "--checks", CHECKS, "--max-examples", str(args.examples),
        "--phases", args.phases, "--seed", str(args.seed), "--workers", "1", "--no-color",
        "--suppress-health-check", "all", "--generation-database", "none", "--request-timeout", "60",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    if args.only:
        command += ["--include-path-regex", args.only]
    with report.with_suffix(".log").open("w") as log:  # schemathesis' own account, with each failure's request
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    result = json.loads(report.read_text())
    if not result.get("complete") or result["operations"]["errored"]:
        raise SystemExit(f"schemathesis did not complete: {json.dumps(result.get('errors'))[:2000]}")
    failures = sorted(
        ("server" if failure["type"] == "ServerError" else "schema", operation, f"{failure['code']} {failure['title']}")
        for failure in result["failures"]
        for operation in failure["operations"]
    )
    return result["operations"]["tested"], result["test_cases"]["generated"], failures


def main() -> None:
    args = parse_args()
    database = os.environ.get("BENCH_FUZZ_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketer_bonus_fuzz")
    server_env = {
        "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database, "CELERY_TASK_ALWAYS_EAGER": "true",
        "CELERY_BROKER_URL": "", "LOG_LEVEL": "ERROR", "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",  # no collectstatic
    }  # fmt: skip
    os.environ.update(server_env)
    drop_database(database, create=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    gunicorn = None
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        rows = build_world()
        connections.close_all()
        print(f"machine: {machine()}")
        print(f"data: the API tests' two companies, in {time.perf_counter() - started:.1f} s")
        work = Path(f"/tmp/bench-fuzz-{os.getpid()}")
        work.mkdir(exist_ok=True)
        (work / "rows.json").write_text(json.dumps(rows))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = start_gunicorn({**os.environ}, port, 2, work / "gunicorn.log", work / "access.log")
        fuzz_env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.fuzz_hooks", "FUZZ_ROWS": str(work / "rows.json")}
        fuzz_env["PYTHONPATH"] = str(ROOT)
        found = 0
        for role in args.roles.split(","):
            began = time.perf_counter()
            operations, cases, failures = fuzz(base, sign_in(base, role), args, work / f"{role}.json", fuzz_env)
            kinds = Counter(kind for kind, _, _ in failures)
            print(
                f"as {role}: {operations} operations, {cases:,} test cases, at most {args.examples} examples per "
                f"operation and phase ({args.phases}), {time.perf_counter() - began:.0f} s: "
                f"{kinds['server']} server errors, {kinds['schema']} schema violations"
            )
            for kind, operation, what in failures:
                print(f"  {kind}: {operation}: {what}")
            found += len(failures)
        server_errors = [line for line in (work / "gunicorn.log").read_text().splitlines() if "Traceback" in line]
        print(f"gunicorn log: {len(server_errors)} tracebacks ({work / 'gunicorn.log'})")
        sys.exit(1 if found or server_errors else 0)
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()
