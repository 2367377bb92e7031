"""The embedded default (SQLite, what `make run` uses) computes the spec's examples: the
suite itself runs on PostgreSQL, and payouts read an employee's rows with hand-written SQL
whose values SQLite returns as plain numbers and text."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*arguments: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_spec_examples_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)

    a, b, c = (json.loads(manage("preview_payout", number, "2026-11", "--json", env=env)) for number in ("DEMO-A", "DEMO-B", "DEMO-C"))

    assert (a["fixed"], a["bonus"], a["total"]) == ("30000.00", "15000.00", "45000.00")
    assert (b["bonus"], b["total"], b["score"]) == ("20000.00", "60000.00", "101.00")
    assert c["fixed"] == "48857.14"
    segments = c["trace"]["fixed"]["segments"]
    assert [s["monthly_amount"] for s in segments] == ["60000.00", "66000.00"]  # as stored, not 60000 or 60000.0
    assert [item["fulfillment_pct"] for item in b["trace"]["bonus"]["factors"][0]["input"]["items"]] == [
        "120.00", "90.00", "100.00", "80.00", "200.00",
    ]  # fmt: skip
