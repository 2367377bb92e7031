"""The engine's tests need neither Django nor a database.

Run with `-p no:django`, nothing puts the repository root on `sys.path`, and the folder
`tests/compensation` would then be imported as the `compensation` package; putting the root
first keeps `compensation` the application.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
