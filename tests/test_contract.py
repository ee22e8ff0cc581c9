"""The engine's contract: nothing outside ``engine/`` depends on how the engine lays out its data.

Callers ask :class:`~detente.scenario.compiled.CompiledScenario` (names,
per-slot facts, deals, conditions, utilities) and
:class:`~detente.engine.State` / :class:`~detente.engine.StepEvents`
(accessors by meaning). The kernel's tables (``engine/tables.py``), the state's
arrays (``engine/arrays.py``) and the step's outcome arrays are the engine's
own, so they can change (float32, tiles, bit words) without moving any other
package. This test scans the sources (and the code in the docs) for the ways
in: importing an engine module other than the package and its random numbers,
and reading ``.tables``, ``.arrays`` or ``.outcome``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "detente"
PUBLIC_ENGINE = {"detente.engine", "detente.engine.rng"}
PRIVATE_ATTRIBUTES = {"tables", "arrays", "outcome"}


def _outside_engine() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if (SRC / "engine") not in p.parents)


def _docs_code() -> list[tuple[str, str]]:
    """Every Python code block of the README and the docs, with where it is."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S)):
            found.append((f"{path.name} block {i + 1}", block))
    return found


def _violations(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if node.module.startswith("detente.engine") and node.module not in PUBLIC_ENGINE:
                out.append(f"line {node.lineno}: from {node.module} import ...")
            elif node.module == "detente.engine":
                private = [n for n in names[1:] if n.rsplit(".", 1)[1] in {"arrays", "tables"}]
                out += [f"line {node.lineno}: imports {n}" for n in private]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("detente.engine.") and alias.name not in PUBLIC_ENGINE:
                    out.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            out.append(f"line {node.lineno}: reads .{node.attr}")
    return out


@pytest.mark.parametrize("path", _outside_engine(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_outside_the_engine_reads_its_layout(path: Path) -> None:
    problems = _violations(ast.parse(path.read_text(encoding="utf-8")))
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize(("where", "code"), _docs_code(), ids=lambda x: str(x)[:40])
def test_no_example_in_the_docs_reads_the_engines_layout(where: str, code: str) -> None:
    problems = _violations(ast.parse(code))
    assert not problems, f"{where}: " + "; ".join(problems)


def test_the_scan_finds_each_way_in() -> None:
    """The scan itself: each kind of access it forbids is caught, and public use is not."""
    caught = _violations(
        ast.parse(
            "from detente.engine.arrays import StateArrays\n"
            "import detente.engine.tables\n"
            "x = compiled.tables.linear\n"
            "y = state.arrays.stage\n"
            "z = events.outcome.payoff\n"
        )
    )
    assert len(caught) == 5, caught
    fine = "from detente.engine import State, step\nfrom detente.engine.rng import CounterRNG\n"
    assert _violations(ast.parse(fine + "s = state.stage\nu = compiled.utilities\n")) == []
