"""Differential test against the axelrod library: on ``ipd`` the classic strategies are exact.

Every ordered pair of deterministic strategies plays a 200-round match; both
players' scores must equal axelrod's ``Match`` scores exactly. The golden
file (made by ``scripts/axelrod_golden.py``) runs everywhere; the live test
runs where axelrod is installed (it needs torch, so it is not a dev
dependency).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from detente.engine import CompiledScenario
from detente.simulate.tournament import round_robin

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "axelrod_ipd.json"


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def detente_scores(
    ipd: CompiledScenario, golden: dict[str, Any]
) -> dict[tuple[str, str], list[int]]:
    """Scores of every ordered pair of detente strategies, all matches in one batch."""
    names = sorted(golden["counterparts"])
    t = round_robin(ipd, names, rounds=golden["turns"], ordered=True)
    scores = t.match_scores()[0]
    return {
        (names[i], names[j]): [int(a), int(b)]
        for (i, j), (a, b) in zip(t.pairs.tolist(), scores.tolist(), strict=True)
    }


def test_golden_file_is_complete(golden: dict[str, Any]) -> None:
    players = set(golden["counterparts"].values())
    assert set(golden["scores"]) == players
    assert all(set(row) == players for row in golden["scores"].values())
    assert len(golden["counterparts"]) >= 8


def test_scores_equal_axelrod_golden(
    golden: dict[str, Any], detente_scores: dict[tuple[str, str], list[int]]
) -> None:
    counterpart = golden["counterparts"]
    mismatches = {
        pair: (ours, golden["scores"][counterpart[pair[0]]][counterpart[pair[1]]])
        for pair, ours in detente_scores.items()
        if ours != golden["scores"][counterpart[pair[0]]][counterpart[pair[1]]]
    }
    assert not mismatches, f"(detente, axelrod {golden['axelrod_version']}): {mismatches}"


def test_scores_equal_live_axelrod(
    golden: dict[str, Any], detente_scores: dict[tuple[str, str], list[int]]
) -> None:
    axl = pytest.importorskip("axelrod")
    counterpart = golden["counterparts"]
    for (a, b), ours in detente_scores.items():
        match = axl.Match(
            (getattr(axl, counterpart[a])(), getattr(axl, counterpart[b])()), turns=golden["turns"]
        )
        match.play()
        assert ours == [int(s) for s in match.final_score()], (a, b)
