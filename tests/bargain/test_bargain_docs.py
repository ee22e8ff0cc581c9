"""docs/bargain.md's Python examples run as written, and its options exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "bargain.md"
TEXT = DOC.read_text(encoding="utf-8")


def test_python_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
    assert len(blocks) >= 3
    for i, code in enumerate(blocks):
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
        )
        assert run.returncode == 0, f"block {i}: {run.stderr}"


def test_every_option_shown_is_an_option_of_the_command() -> None:
    shown = set(re.findall(r"(--[a-z][a-z-]+)", TEXT))
    wide = {**os.environ, "COLUMNS": "250"}
    run = subprocess.run(
        [sys.executable, "-m", "detente", "bargain", "--help"],
        capture_output=True,
        text=True,
        env=wide,
        check=True,
    )
    help_text = re.sub(r"\s+", " ", run.stdout)
    missing = sorted(option for option in shown if option not in help_text)
    assert not missing, f"docs/bargain.md shows options bargain lacks: {missing}"
