"""The horizon view (where episodes end, where their rounds went) and streamed summaries."""

from __future__ import annotations

import re

import numpy as np
import pytest

from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.simulate.numbers import estimate, share
from detente.simulate.results import Results
from detente.simulate.summary import proportion
from detente.simulate.tally import Tally


def hand_made() -> Results:
    """Four episodes of four rounds through three stages, written out by hand."""
    i = np.int64
    return Results(
        scenario="hand",
        parties=("A", "B"),
        stages=("s1", "s2", "s3"),
        rules=("s2.back", "s3.back"),
        profile={"A": "x", "B": "y"},
        seed=0,
        rounds=4,
        episodes=np.arange(4, dtype=i),
        success_round=np.array([-1, 3, 4, -1], dtype=i),
        max_stage=np.array([0, 2, 2, 2], dtype=i),
        first_reached=np.array([[0, -1, -1], [0, 1, 2], [0, 2, 3], [0, 1, 2]], dtype=i),
        final_stage=np.array([0, 2, 2, 1], dtype=i),
        final_stalled=np.array([False, False, False, True]),
        stalls=np.array([0, 0, 0, 1], dtype=i),
        breakdowns=np.array([[0, 0], [0, 0], [0, 0], [0, 1]], dtype=i),
        total=np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]),
        discounted=np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]),
        success_held=np.array([False, True, True, False]),
        success_losses=np.zeros(4, dtype=i),
        success_counts="held_to_end",
        hold_rounds=1,
        # rounds after which each episode was in s1, s2, s3 (4 rounds each)
        stage_rounds=np.array([[4, 0, 0], [0, 1, 3], [1, 1, 2], [0, 3, 1]], dtype=i),
    )


def test_the_horizon_numbers_of_a_hand_computed_case() -> None:
    s = hand_made().summary()
    h = s.horizon
    # final stages 0, 2, 2, 1: one of four in s1, one in s2, two in s3
    assert {k: v.mean for k, v in h.final_stage.items()} == {"s1": 0.25, "s2": 0.25, "s3": 0.5}
    assert h.final_stage["s3"] == proportion(2, 4)
    assert h.stalled_at_end.mean == 0.25
    # 16 rounds in all: s1 4 + 0 + 1 + 0 = 5, s2 0 + 1 + 1 + 3 = 5, s3 0 + 3 + 2 + 1 = 6
    assert h.rounds_share == {"s1": 5 / 16, "s2": 5 / 16, "s3": 6 / 16}
    # reached three times of four (rounds 1, 2, 1: median 1), success held twice
    assert s.stages[1].reached.mean == 0.75
    assert s.stages[1].median_round == 1
    assert s.stages[2].median_round == 2
    assert s.stages[2].by_round == (0.0, 0.5, 0.75, 0.75)
    assert (s.reached.mean, s.held_to_end.mean, s.success.mean) == (0.5, 0.5, 0.5)  # type: ignore[union-attr]
    assert s.median_success_round == 3.5
    assert s.to_dict()["horizon"]["rounds_share"]["s3"] == 0.375


def test_a_tally_folded_episode_by_episode_gives_the_same_summary() -> None:
    r = hand_made()
    whole, folded = Tally.of(r).summary(), Tally.of(r, block=1).summary()
    assert folded.horizon == whole.horizon
    assert folded.stages == whole.stages
    assert folded.causes == whole.causes
    for a, b in zip(folded.parties, whole.parties, strict=True):
        assert a.discounted.mean == pytest.approx(b.discounted.mean)
        assert a.discounted.low == pytest.approx(b.discounted.low)


def test_a_simulated_horizon(ipd: CompiledScenario) -> None:
    # tit for tat against grim trigger: mistrust for round 1, cooperation from round 2 on
    s = simulate(ipd, {"A": "tit_for_tat", "B": "grim_trigger"}, 3, 20).summary()
    assert s.horizon.rounds_share == {"mistrust": 0.05, "cooperation": 0.95}
    assert s.horizon.final_stage["cooperation"].mean == 1


def test_numbers_are_rounded_to_their_precision() -> None:
    e = proportion(4, 5)
    assert estimate(e) == "0.80 (0.38 to 0.96)"
    noisy = proportion(1, 3)
    assert "333333" not in estimate(noisy)
    assert share(0.8000000000000002, 10_000) == "0.800"
    assert share(-2.842e-18, 10_000) == "0.000"


def test_the_printed_forecast_explains_itself_in_80_columns(korea: CompiledScenario) -> None:
    from detente.simulate.render import console, summary_view

    s = simulate(korea, {}, 400, 40, seed=1).summary()
    con = console()
    with con.capture() as cap:
        con.print(summary_view(s))
    text = cap.get()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    words = " ".join(text.split())
    assert "The horizon: where the episodes are after round 40" in words
    assert "at any round up to r, even if left since" in words
    assert "Monte Carlo error only" in words
    assert "own utility units" in words
    assert "violation sets back" in words  # rules by name, their stage by number
    assert f"1 trust_building {estimate(s.horizon.final_stage['trust_building'])}" in words
    assert not re.search(r"\de[-+]\d|\d{7}", words)  # no 1e-05 or 0.8000000000000002
    assert "95% CI" not in words
