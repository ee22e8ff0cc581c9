"""Every Python block of the README and docs/ runs on its own, as a reader pastes it.

Each block runs alone in a fresh interpreter in an empty folder: a block that
leans on a name from an earlier one (``NameError: korea``) fails here. Shell
blocks of the README that need no server or file run too, as commands of the
``detente`` app in this process.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *(ROOT / "examples").glob("*.md"),
]


def _blocks(kind: str) -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        blocks = re.findall(rf"```{kind}\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
        found += [(f"{page.relative_to(ROOT)}#{k}", code) for k, code in enumerate(blocks)]
    return found


PYTHON = _blocks("python")


def test_the_readme_and_docs_have_examples() -> None:
    pages = {name.partition("#")[0] for name, _ in PYTHON}
    assert {"README.md", "docs/simulate.md", "docs/bargain.md", "docs/envs.md"} <= pages
    assert sum(name.startswith("README.md") for name, _ in PYTHON) >= 5


def _run_alone(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=folder, timeout=300
    )


@pytest.fixture(scope="module")
def python_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """The selected blocks, each started in its own interpreter and folder, as many at a time
    as there are cores (at most four): the tests wait for theirs in turn, while the next run."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_a_python_block_runs_alone"
    }
    pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
    try:
        yield {
            name: pool.submit(_run_alone, code, tmp_path_factory.mktemp("block"))
            for name, code in PYTHON
            if name in selected
        }
    finally:
        pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("name", [n for n, _ in PYTHON])
def test_a_python_block_runs_alone(
    name: str, python_runs: dict[str, Future[subprocess.CompletedProcess[str]]]
) -> None:
    run = python_runs[name].result()
    assert run.returncode == 0, run.stderr


def _readme_commands() -> list[str]:
    """The README's ``detente`` commands that run alone: no server, no files of a previous one."""
    needs = ("serve", "demo-session", "play", "ledger", "report", "my.yaml", "--address", "ray")
    commands = []
    for name, block in _blocks("sh"):
        for line in block.splitlines():
            if not (name.startswith("README.md") and line.startswith("detente ")):
                continue
            command = shlex.join(shlex.split(line, comments=True))
            if not any(n in command for n in needs):
                commands.append(command)
    return commands


COMMANDS = _readme_commands()


def test_the_readme_lists_commands() -> None:
    assert "detente simulate korea --episodes 20000 --seed 7" in COMMANDS
    assert len(COMMANDS) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_command_runs(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process (a subprocess would add only the start-up, which tests/test_package.py and
    the commands' own tests check), except a sweep, whose local backend starts worker processes."""
    args = shlex.split(command)[1:]
    if (
        args[:1] in (["simulate"], ["compare"], ["sweep"], ["best-response"])
        and "--episodes" not in args
    ):
        args += [
            "--episodes",
            "200",
        ]  # the README's defaults, smaller: what is tested is the command
    if args[:1] == ["sweep"]:
        run = subprocess.run(
            [sys.executable, "-m", "detente", *args],
            capture_output=True, text=True, cwd=tmp_path, timeout=600,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        return
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
