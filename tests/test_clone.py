"""The README's two commands from a fresh clone, as a newcomer runs them (slow: minutes).

The repository (its committed state) is cloned into a temporary folder and
``make run`` and ``make test`` run there, each creating or completing the
clone's own virtual environment from the package index (the machine's pip
cache and wheel folders make that quick). ``make test`` there runs only a
small test file, chosen with ``DETENTE_TESTS``, so the suite does not recurse
into itself; what is checked is that its set-up installs the dev set and its
test command runs.

Most of those minutes are spent waiting on pip and on one core, so when the
test is collected the clone starts at once, in the background, while the
rest of the suite runs (``tests/conftest.py``); the test then reads what it
did. Called without that start, the test does the same work and waits.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INNER = "DETENTE_CLONE_TEST"  # set in the clone's runs: never clone again from inside
NODE = "tests/test_clone.py::test_make_run_and_make_test_from_a_fresh_clone"


def _tools() -> bool:
    return shutil.which("make") is not None and shutil.which("git") is not None


def runnable() -> bool:
    """Whether the test runs here: not inside a clone's own run, and ``make`` and ``git`` exist."""
    return os.environ.get(INNER) != "1" and _tools()


@dataclass
class Clone:
    """What each step in the fresh clone gave; a step after a failed ``make`` is not run."""

    fresh: bool = False  # the clone had no .venv before ``make run``
    run: subprocess.CompletedProcess[str] | None = None
    core: subprocess.CompletedProcess[str] | None = None
    test: subprocess.CompletedProcess[str] | None = None
    dev: subprocess.CompletedProcess[str] | None = None


class Steps:
    """The clone and its two ``make`` commands, run in a thread; ``stop()`` ends them early."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="detente-clone-"))
        self._proc: subprocess.Popen[str] | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self.clone = Clone()
        self._thread = threading.Thread(target=self._work, name="fresh-clone", daemon=True)

    def start(self) -> Steps:
        self._thread.start()
        return self

    def result(self) -> Clone:
        """Wait for the steps (30 minutes at most), then remove the clone."""
        self._thread.join(timeout=1800)
        self.stop()
        if self._error is not None:
            raise self._error
        return self.clone

    def stop(self) -> None:
        """End a running step (its whole process group) and remove the clone."""
        with self._lock:
            self._stopped = True
            if self._proc is not None and self._proc.poll() is None:
                os.killpg(self._proc.pid, signal.SIGKILL)
        self._thread.join(timeout=60)
        shutil.rmtree(self._folder, ignore_errors=True)

    def _step(
        self, args: list[str], cwd: Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        with self._lock:
            if self._stopped:
                raise RuntimeError("the fresh-clone steps were stopped")
            self._proc = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, start_new_session=True,
            )  # fmt: skip
        out, err = self._proc.communicate(timeout=1800)
        return subprocess.CompletedProcess(args, self._proc.returncode, out, err)

    def _make(self, clone: Path, target: str, **env: str) -> subprocess.CompletedProcess[str]:
        run_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        run_env |= {INNER: "1", "PYTHON": sys.executable, **env}
        return self._step(["make", target], clone, run_env)

    def _work(self) -> None:
        try:
            clone = self._folder / "detente"
            cloned = self._step(["git", "clone", "--quiet", str(ROOT), str(clone)], self._folder)
            if cloned.returncode != 0:
                raise RuntimeError(f"git clone failed: {cloned.stderr}")
            self.clone.fresh = not (clone / ".venv").exists()
            self.clone.run = self._make(clone, "run")
            if self.clone.run.returncode != 0:
                return
            python = str(clone / ".venv/bin/python")
            self.clone.core = self._step(
                [python, "-c", "import pyarrow, numba; import fastapi"], clone
            )
            self.clone.test = self._make(clone, "test", DETENTE_TESTS="tests/test_package.py")
            if self.clone.test.returncode != 0:
                return
            self.clone.dev = self._step([python, "-c", "import fastapi, pytest"], clone)
        except BaseException as error:  # re-raised in the test's thread
            self._error = error


#: The steps started at collection by ``tests/conftest.py``, when this test is to run.
started: Steps | None = None


def start_in_background() -> None:
    global started
    started = Steps().start()


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get(INNER) == "1", reason="already inside a clone's test run")
@pytest.mark.skipif(not _tools(), reason="no make")
def test_make_run_and_make_test_from_a_fresh_clone() -> None:
    done = (started or Steps().start()).result()
    assert done.fresh
    run, core, test, dev = done.run, done.core, done.test, done.dev
    assert run is not None
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "korea: 10,000 episodes x 40 rounds" in run.stdout
    assert "The horizon: where the episodes are after round 40" in run.stdout
    assert "Monte Carlo error only" in run.stdout
    assert core is not None
    assert "No module named 'fastapi'" in core.stderr, "make run installs the core and results only"
    assert test is not None
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert " passed" in test.stdout
    assert dev is not None
    assert dev.returncode == 0, "make test installs the dev set"
