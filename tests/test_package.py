"""Package-level promises: a light import, a working ``run`` command."""

from __future__ import annotations

import subprocess
import sys


def test_import_detente_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, detente, detente.scenario, detente.backtest; "
        "heavy = [m for m in ('numba', 'scipy', 'pyarrow', 'matplotlib', 'fastapi', 'ray') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_run_prints_a_readable_trace() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "detente", "run", "korea", "--rounds", "12", "--seed", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "trust_building" in out.stdout
    assert "agreement reached: double_freeze" in out.stdout
    assert "total payoffs: RUS" in out.stdout
