"""The README's Python examples run as written (in order, as one script)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4, "the README shows the forecast, strategy, bargain, env and engine APIs"
    script = tmp_path / "readme_examples.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "packages on the Pareto frontier" in out.stdout


def test_readme_scenario_and_its_provenance_validate() -> None:
    """The minimal scenario is valid, and so is the provenance example added to it."""
    from detente.scenario.load import load_yaml, parse_scenario
    from detente.scenario.provenance import numbers

    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    scenario = next(b for b in blocks if b.startswith("id: "))
    provenance = next(b for b in blocks if b.startswith("provenance:"))
    parse_scenario(load_yaml(scenario), "README scenario")
    doc = load_yaml(scenario + provenance)
    parse_scenario(doc, "README scenario with provenance")
    bases = {n.path: n.basis for n in numbers(doc)}
    assert bases["actions[test].intensity"] == "source"
    assert bases["noise.miss"] == "assumption"
    assert bases["trust.forgetting"] is None
