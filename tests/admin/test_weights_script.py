"""The running sum of weights on the KPI set page (compensation/static/compensation/
kpi_set_weights.js): exact decimal arithmetic in units of 1/10000, checked under node."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "compensation/static/compensation/kpi_set_weights.js"
NODE = shutil.which("node")


def summarize(values: list[str]) -> dict:
    program = f"console.log(JSON.stringify(require({json.dumps(str(SCRIPT))}).summarize({json.dumps(values)})))"
    result = subprocess.run([NODE, "-e", program], capture_output=True, text=True, check=True, timeout=30)
    return json.loads(result.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed; the script is plain browser JavaScript")
@pytest.mark.parametrize(
    ("weights", "text", "ok"),
    [
        pytest.param(["0.5", "0.45"], "Sum of weights: 0.95 (must be 1)", False, id="short"),
        pytest.param(["0.1", "0.2", "0.4", "0.2", "0.1"], "Sum of weights: 1 — OK", True, id="preset-no-float-drift"),
        pytest.param(["0.1", "0.2"], "Sum of weights: 0.3 (must be 1)", False, id="0.1+0.2-is-0.3"),
        pytest.param(["0.3333", "0.3333", "0.3334"], "Sum of weights: 1 — OK", True, id="four-places"),
        pytest.param(["0.9999"], "Sum of weights: 0.9999 (must be 1)", False, id="no-tolerance"),
        pytest.param(["", "1.0000"], "Sum of weights: 1 — OK", True, id="blank-row-skipped"),
        pytest.param(["0.6", "0.6"], "Sum of weights: 1.2 (must be 1)", False, id="over"),
        pytest.param(
            ["0.12345"], "Sum of weights: ? (0.12345 is not a decimal with at most 4 places)", False, id="five-places"
        ),
    ],
)
def test_running_sum(weights, text, ok):
    assert summarize(weights) == {"text": text, "ok": ok}
