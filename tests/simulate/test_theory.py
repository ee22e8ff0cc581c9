"""Theory checks: the simulator reproduces what game theory proves about the ``ipd``."""

import numpy as np
import pytest

from detente.engine import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import compare, simulate
from detente.strategies import Classifier, EpisodeStrategy, EpisodeView, NamedMove, register

T, R, P, S = 5, 3, 1, 0
THRESHOLD = (T - R) / (T - P)  # 0.5: grim trigger sustains cooperation from here on


class DefectFromRound(EpisodeStrategy):
    """Cooperate, then switch to permanent defection from round ``switch`` (0-based)."""

    name = "test_defect_from_round"
    classifier = Classifier(memory_depth=0)

    def __init__(self, compiled: CompiledScenario, party: int, *, switch: int = 5) -> None:
        super().__init__(compiled, party)
        self.switch = switch

    def move(self, view: EpisodeView) -> NamedMove:
        return NamedMove(actions={"defect"} if view.round >= self.switch else set())


register(DefectFromRound)


def ipd_with(*overrides: str) -> CompiledScenario:
    return compile_scenario(load_with_overrides("ipd", overrides))


def discounted_b(c: CompiledScenario, b: str) -> float:
    r = simulate(c, {"A": "grim_trigger", "B": b}, episodes=1, rounds=200)
    return float(r.discounted[0, 1])


@pytest.mark.parametrize("delta", [0.2, 0.45, 0.49, 0.51, 0.55, 0.8, 0.99])
@pytest.mark.parametrize("deviation", ["defect", "test_defect_from_round:switch=7"])
def test_defecting_against_grim_trigger_pays_exactly_below_the_threshold(
    delta: float, deviation: str
) -> None:
    c = ipd_with(f"utilities.discount={delta}")
    loyal, deviant = discounted_b(c, "cooperate"), discounted_b(c, deviation)
    assert (deviant < loyal) == (delta >= THRESHOLD), (loyal, deviant)


def test_at_the_threshold_deviation_neither_gains_nor_loses() -> None:
    c = ipd_with(f"utilities.discount={THRESHOLD}")
    assert discounted_b(c, "defect") == pytest.approx(discounted_b(c, "cooperate"), abs=1e-12)
    # and it is the textbook sum: T then P forever against R forever
    assert discounted_b(c, "cooperate") == pytest.approx(R / (1 - THRESHOLD), rel=1e-12)


def test_generous_tit_for_tat_outscores_tit_for_tat_with_a_trembling_hand() -> None:
    c = ipd_with("noise.tremble=0.05")
    both = {"tft": {"A": "tit_for_tat", "B": "tit_for_tat"}}
    both["gtft"] = {"A": "generous_tit_for_tat", "B": "generous_tit_for_tat"}
    result = compare(c, both, episodes=400, rounds=200, seed=7)
    (gain,) = result.differences
    for party in ("A", "B"):
        low = gain.total[party].low
        assert low is not None
        assert low > 0, gain.total[party]
    tft, gtft = result.summaries["tft"], result.summaries["gtft"]
    # echoes of a single tremble cost tit for tat about a quarter of mutual cooperation
    assert tft.parties[0].total.mean / 200 < 2.5 < gtft.parties[0].total.mean / 200


def test_without_noise_generosity_changes_nothing_in_self_play(ipd: CompiledScenario) -> None:
    r = simulate(ipd, {"A": "generous_tit_for_tat", "B": "generous_tit_for_tat"}, 5, 200)
    np.testing.assert_array_equal(r.total, np.full((5, 2), R * 200.0))
