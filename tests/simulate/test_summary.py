"""Summary statistics and their intervals, on results with known answers."""

import numpy as np
import pytest

from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.simulate.summary import mean_ci, proportion_ci


def test_wilson_interval_matches_the_formula() -> None:
    est = proportion_ci(np.array([True] * 8 + [False] * 2))
    assert est.mean == 0.8
    # Wilson 95% interval for 8/10, as tabulated (e.g. Newcombe 1998): 0.490 to 0.943
    assert est.low == pytest.approx(0.4902, abs=1e-4)
    assert est.high == pytest.approx(0.9433, abs=1e-4)
    none = proportion_ci(np.zeros(50, dtype=bool))
    assert none.mean == 0
    assert none.low == 0
    assert none.high is not None
    assert 0 < none.high < 0.08


def test_mean_interval_and_a_single_observation() -> None:
    est = mean_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    assert est.mean == 2.5
    half = 1.959963984540054 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert est.low == pytest.approx(2.5 - half)
    assert est.high == pytest.approx(2.5 + half)
    assert mean_ci(np.array([7.0])).low is None


def test_summary_of_a_known_match(ipd: CompiledScenario) -> None:
    # tit for tat against grim trigger cooperates throughout: trust passes 0.7 after
    # two rounds, then ten rounds of held cooperation make success at round 12
    s = simulate(ipd, {"A": "tit_for_tat", "B": "grim_trigger"}, 3, 200).summary()
    assert s.success.mean == 1
    assert s.median_success_round == 12
    assert s.stall.mean == 0
    coop = s.stages[1]
    assert coop.stage == "cooperation"
    assert coop.median_round == 2
    assert coop.by_round[:3] == (0.0, 1.0, 1.0)
    assert len(coop.by_round) == 200
    assert [p.total.mean for p in s.parties] == [600, 600]
    assert s.causes == ()
    d = s.to_dict()
    assert d["parties"]["A"]["total"]["mean"] == 600
    assert d["stages"]["cooperation"]["reached"]["mean"] == 1


def test_causes_are_counted_and_sorted(ipd: CompiledScenario) -> None:
    # an occasional defector against a cooperator: each defection in cooperation sends it back
    r = simulate(ipd, {"A": "random:p=0.95", "B": "cooperate"}, 20, 100)
    s = r.summary()
    assert [c.rule for c in s.causes] == ["cooperation.defection"]
    assert s.causes[0].per_episode == r.breakdowns.sum() / 20 > 1
    assert s.causes[0].episodes == (r.breakdowns[:, 0] > 0).mean() > 0.5
