"""The engine is plain Python: importing it loads no Django."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_engine_loads_no_django():
    code = (
        "import sys; import engine; "
        "loaded = sorted(name for name in sys.modules if name == 'django' or name.startswith('django.')); "
        "print(engine.__file__); print(loaded)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    engine_file, loaded = done.stdout.splitlines()
    assert Path(engine_file) == ROOT / "engine" / "__init__.py"
    assert loaded == "[]"
