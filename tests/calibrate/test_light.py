"""The calibrate package loads nothing heavy until a calibration runs."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_calibrate_command_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, detente.calibrate, detente.calibrate.commands, detente.calibrate.priors, "
        "detente.calibrate.posterior, detente.cli; "
        "heavy = [m for m in ('pyabc', 'numba', 'pandas', 'matplotlib', 'scipy', 'sklearn') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
