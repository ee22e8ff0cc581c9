"""The README's two commands from a fresh clone, as a newcomer runs them (slow: minutes).

The repository (its committed state) is cloned into a temporary folder and
``make run`` and ``make test`` run there, each creating or completing the
clone's own virtual environment from the package index (the machine's pip
cache and wheel folders make that quick). ``make test`` there runs only a
small test file, chosen with ``DETENTE_TESTS``, so the suite does not recurse
into itself; what is checked is that its set-up installs the dev set and its
test command runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INNER = "DETENTE_CLONE_TEST"  # set in the clone's runs: never clone again from inside


def _make(clone: Path, target: str, **env: str) -> subprocess.CompletedProcess[str]:
    run_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run_env |= {INNER: "1", "PYTHON": sys.executable, **env}
    return subprocess.run(
        ["make", target], cwd=clone, capture_output=True, text=True, env=run_env, timeout=1800
    )


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get(INNER) == "1", reason="already inside a clone's test run")
@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="no make")
def test_make_run_and_make_test_from_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "detente"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)
    assert not (clone / ".venv").exists()
    run = _make(clone, "run")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "korea: 10,000 episodes x 40 rounds" in run.stdout
    assert "The horizon: where the episodes are after round 40" in run.stdout
    assert "Monte Carlo error only" in run.stdout
    core = subprocess.run(
        [str(clone / ".venv/bin/python"), "-c", "import pyarrow, numba; import fastapi"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert "No module named 'fastapi'" in core.stderr, "make run installs the core and results only"
    test = _make(clone, "test", DETENTE_TESTS="tests/test_package.py")
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert " passed" in test.stdout
    dev = subprocess.run([str(clone / ".venv/bin/python"), "-c", "import fastapi, pytest"])
    assert dev.returncode == 0, "make test installs the dev set"
