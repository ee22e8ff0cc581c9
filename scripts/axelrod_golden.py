"""Regenerate tests/golden/axelrod_ipd.json: axelrod's match scores for the differential test.

Run it where axelrod is installed (it needs torch, so a separate venv):

    python scripts/axelrod_golden.py [OUTPUT]

For every ordered pair of the deterministic strategies detente shares with
axelrod, it records the two players' scores in a plain 200-turn axelrod
``Match`` (Axelrod's payoffs, no noise), with axelrod's version. CI compares
detente's ``ipd`` scores with this file; ``tests/strategies/test_axelrod.py``
also compares them with a live axelrod when it is importable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import axelrod as axl

TURNS = 200
OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "axelrod_ipd.json"

# detente strategy -> the axelrod player it must equal on ipd. The last four are
# detente strategies that reduce to a classic one when there are no deals.
COUNTERPARTS = {
    "cooperate": "Cooperator",
    "defect": "Defector",
    "tit_for_tat": "TitForTat",
    "suspicious_tit_for_tat": "SuspiciousTitForTat",
    "tit_for_two_tats": "TitFor2Tats",
    "grim_trigger": "Grudger",
    "win_stay_lose_shift": "WinStayLoseShift",
    "alternator": "Alternator",
    "grit": "TitForTat",
    "hawk": "Defector",
    "dove": "Cooperator",
    "action_for_action": "Cooperator",
}


def match_scores(first: str, second: str, turns: int = TURNS) -> tuple[int, int]:
    """Both players' total scores in one axelrod match."""
    players = (getattr(axl, first)(), getattr(axl, second)())
    match = axl.Match(players, turns=turns)
    match.play()
    a, b = match.final_score()
    return int(a), int(b)


def golden() -> dict[str, Any]:
    names = sorted(set(COUNTERPARTS.values()))
    return {
        "axelrod_version": axl.__version__,
        "turns": TURNS,
        "counterparts": COUNTERPARTS,
        "scores": {a: {b: list(match_scores(a, b)) for b in names} for a in names},
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    out.write_text(json.dumps(golden(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} (axelrod {axl.__version__})")


if __name__ == "__main__":
    main()
