"""The apps import one way (pyproject.toml, [tool.importlinter]): the contract holds on the
tree, and an import that goes up a layer breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["engine", "core", "organizations", "kpis", "compensation", "events", "payroll", "api", "portal", "config"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_tree_keeps_the_layers(tree):
    done = lint_imports(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("kpis/planted.py", "from payroll import models", "Apps import one way"),
        ("organizations/planted.py", "import compensation.services", "Apps import one way"),
        ("portal/planted.py", "from api import me", "Apps import one way"),  # siblings stay apart
        ("engine/planted.py", "from django.db import models", "The engine is plain Python"),
        ("events/connectors/planted.py", "from django.db import models", "The connectors are plain Python"),
        ("events/planted.py", "from payroll import models", "Apps import one way"),
        ("payroll/services/planted.py", "from payroll.tasks import calculate_run", "Payroll services never import the tasks"),
    ],
)
def test_an_import_against_the_layers_breaks_the_contract(tree, module, line, contract):
    (tree / module).write_text(line + "\n")
    done = lint_imports(tree)
    assert done.returncode != 0
    assert f"{contract} BROKEN" in done.stdout
    assert module.removesuffix(".py").replace("/", ".") in done.stdout
