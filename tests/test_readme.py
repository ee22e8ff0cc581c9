"""The README's scenarios validate (its Python blocks run alone: tests/test_doc_blocks.py)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


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
