"""The sensitivity package loads nothing heavy until an analysis runs."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_sensitivity_commands_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, detente.sensitivity, detente.sensitivity.commands, detente.cli; "
        "heavy = [m for m in ('SALib', 'numba', 'pyarrow', 'matplotlib', 'ray', 'pandas') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
