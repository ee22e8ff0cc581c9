"""What detente computes is what it computed: fingerprints of fixed runs against the golden file.

``scripts/results_fingerprints.py`` made ``tests/golden/fingerprints.json``; a
refactor that is meant to change nothing (layouts, names, code paths) must
leave every fingerprint as it is. Rewrite the file only with a change meant to
change results, and say which in the commit.
"""

from __future__ import annotations

import json
from pathlib import Path

from scripts.results_fingerprints import OUTPUT, fingerprints


def test_results_are_bit_identical_to_the_golden_fingerprints() -> None:
    golden = json.loads(Path(OUTPUT).read_text())
    now = fingerprints()
    changed = [
        f"{run}.{name}"
        for run in sorted(golden.keys() | now.keys())
        for name in sorted(golden.get(run, {}).keys() | now.get(run, {}).keys())
        if golden.get(run, {}).get(name) != now.get(run, {}).get(name)
    ]
    assert not changed, f"results changed: {', '.join(changed)}"
