"""docs/record.md: its examples run, its mapping example loads, its counts are the record's."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from detente.record.events import bundled_record
from detente.record.mapping import map_record
from detente.record.rules import load_mapping, parse_mapping
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario

DOC = (Path(__file__).resolve().parents[2] / "docs" / "record.md").read_text(encoding="utf-8")
PYTHON = re.findall(r"```python\n(.*?)```", DOC, flags=re.DOTALL)
YAML = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_doc_has_examples() -> None:
    assert len(PYTHON) >= 2
    assert len(YAML) == 1


@pytest.mark.parametrize("code", PYTHON, ids=[f"block{i}" for i in range(len(PYTHON))])
def test_example_runs(code: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr


def test_the_mapping_example_is_a_valid_mapping() -> None:
    korea = compile_scenario(load_scenario("korea"))
    mapping = parse_mapping(YAML[0], "docs/record.md", korea)
    assert [r.take for r in mapping.file.rules][:2] == [
        ["nuclear_test"],
        ["large_scale_drills.full"],
    ]


def test_the_counts_in_the_doc_are_the_bundled_records() -> None:
    korea = compile_scenario(load_scenario("korea"))
    mapped = map_record(korea, bundled_record(), load_mapping("korea.mapping.yaml", korea))
    total, moved, unmapped = (
        len(bundled_record().events),
        len(mapped.mapped_events()),
        len(mapped.unmapped),
    )
    text = " ".join(DOC.split())
    assert f"the {total} events make {len(mapped.rounds)} rounds" in text
    assert f"{moved} events become moves, {unmapped} map to nothing" in text
    flagged = sum(e.uncertain is not None for e in bundled_record().events)
    assert f"{flagged} rows say in `uncertain`" in text
    table = [int(n) for n in re.findall(r"^\| +(\d+) \| ", DOC, flags=re.MULTILINE)]
    assert sorted(table) == sorted(Counter(why for _, why in mapped.unmapped).values())
