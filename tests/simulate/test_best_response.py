"""Best responses by simulation: known answers on ipd, determinism, the strategy and the CLI."""

import functools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.engine import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.simulate.best_response import best_response, default_candidates
from detente.strategies import StrategyError, get_strategy

CLASSIC = ["cooperate", "defect", "tit_for_tat"]


@functools.cache
def ipd(discount: float, tremble: float = 0.0) -> CompiledScenario:
    overrides = [f"utilities.discount={discount}", f"noise.tremble={tremble}"]
    return compile_scenario(load_with_overrides("ipd", overrides))


def test_against_always_defect_the_best_response_is_to_defect() -> None:
    found = best_response(ipd(0.95), "A", CLASSIC, {"B": "defect"}, episodes=20, rounds=50)
    assert found.best == "defect"
    by = {c.spec: c for c in found.candidates}
    # cooperating against a defector earns S = 0 every round; tit for tat loses only round 1
    assert by["cooperate"].discounted.mean == 0.0
    assert by["defect"].discounted.mean > by["tit_for_tat"].discounted.mean
    assert by["defect"].shortfall.mean == 0.0
    assert by["cooperate"].shortfall.mean > 0


@pytest.mark.parametrize(("discount", "best"), [(0.95, "cooperate"), (0.5, "defect")])
def test_against_tit_for_tat_cooperating_beats_defecting_only_when_patient(
    discount: float, best: str
) -> None:
    # one-shot deviation against tit for tat pays below (T - R) / (R - S) = 2/3
    found = best_response(ipd(discount), "A", ["defect", "cooperate"], {"B": "tit_for_tat"}, 20, 50)
    assert found.best == best


def test_the_first_of_equals_is_chosen() -> None:
    # against tit for tat without noise, cooperate and tit for tat play alike
    found = best_response(ipd(0.95), "A", ["tit_for_tat", "cooperate"], {"B": "tit_for_tat"}, 5)
    assert found.candidates[0].discounted == found.candidates[1].discounted
    assert found.best == "tit_for_tat"


def test_deterministic_for_a_seed_and_paired_on_common_random_numbers() -> None:
    noisy = ipd(0.95, tremble=0.1)
    specs = ["generous_tit_for_tat", "random", "tit_for_tat"]
    runs = [best_response(noisy, "A", specs, {"B": "tit_for_tat"}, 200, 40, seed=9) for _ in "ab"]
    assert runs[0] == runs[1]
    other = best_response(noisy, "A", specs, {"B": "tit_for_tat"}, 200, 40, seed=10)
    assert other.candidates != runs[0].candidates
    # the shortfall is the paired difference of the very episodes simulate plays
    best = simulate(noisy, {"A": runs[0].best, "B": "tit_for_tat"}, 200, 40, 9).discounted[:, 0]
    worst = simulate(noisy, {"A": "random", "B": "tit_for_tat"}, 200, 40, 9).discounted[:, 0]
    shortfall = {c.spec: c.shortfall for c in runs[0].candidates}["random"]
    assert shortfall.mean == pytest.approx(float(np.mean(best - worst)))


def test_default_candidates_are_the_registered_strategies_that_can_play_the_party() -> None:
    korea = compile_scenario(load_with_overrides("korea", []))
    us = default_candidates(korea, "US")
    assert "big_deal_first" in us
    # no package to ask for where a party has no commitment in any deal (ipd has none)
    assert "big_deal_first" not in default_candidates(ipd(0.9), "A")
    assert "tit_for_tat" in default_candidates(ipd(0.9), "A")
    assert "forward_looking" in us
    assert "best_response" not in us


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"party": "XX"}, "no party XX"),
        ({"candidates": ["best_response"]}, "cannot be a candidate"),
        ({"candidates": ["defect", "defect"]}, "given twice"),
        ({"against": {"A": "defect"}}, "do not fix it"),
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"party": "A", "candidates": CLASSIC, "episodes": 2}
    with pytest.raises(StrategyError, match=message):
        best_response(ipd(0.9), **{**args, **kwargs})  # type: ignore[arg-type]


def test_the_strategy_plays_the_chosen_best_response() -> None:
    spec = "best_response:candidates=cooperate+defect+tit_for_tat:against=B=defect:episodes=5"
    strategy = get_strategy(spec).build(ipd(0.95), 0)
    assert strategy.choice == "defect"  # type: ignore[attr-defined]
    played = simulate(ipd(0.95), {"A": spec, "B": "defect"}, 3, 20, 1)
    plain = simulate(ipd(0.95), {"A": "defect", "B": "defect"}, 3, 20, 1)
    np.testing.assert_array_equal(played.discounted, plain.discounted)
    nested = "best_response:candidates=defect+forward_looking/answer=1:against=B=tit_for_tat"
    assert get_strategy(nested).build(ipd(0.95), 0).choice == "forward_looking:answer=1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("best_response:against=B", "expected PARTY=SPEC"),
        ("best_response:against=B=defect+B=grit", "given twice"),
        ("best_response:episodes=0", "at least 1"),
        ("best_response:candidates=defect+best_response", "cannot be a candidate"),
    ],
)
def test_the_strategy_refuses_bad_parameters(spec: str, message: str) -> None:
    with pytest.raises(StrategyError, match=message):
        get_strategy(spec).build(ipd(0.9), 0)


def test_cli_prints_the_candidates_and_the_best() -> None:
    args = ["best-response", "ipd", "--party", "A", "--strategy", "B=tit_for_tat"]
    args += ["--set", "utilities.discount=0.95", "--episodes", "5", "--rounds", "30"]
    args += [arg for spec in CLASSIC for arg in ("--candidate", spec)]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "best: cooperate" in table.output
    assert "defect" in table.output
    assert "P(success): success reached (roadmap.success.counts)" in table.output
    as_json = CliRunner().invoke(app, [*args, "--format", "json"])
    data = json.loads(as_json.output)
    assert data["best"] == "cooperate"
    assert data["success_counts"] == "reached"
    assert [c["spec"] for c in data["candidates"]] == CLASSIC
    bad = CliRunner().invoke(app, [*args, "--candidate", "nonsense"])
    assert bad.exit_code == 2
    assert "unknown strategy 'nonsense'" in bad.output


@pytest.mark.parametrize("counts", ["reached", "held_to_end"])
def test_success_is_what_the_scenario_counts(counts: str) -> None:
    """korea counts success held to the horizon; P(reached) is larger, and not reported."""
    korea = compile_scenario(load_with_overrides("korea", [f"roadmap.success.counts={counts}"]))
    found = best_response(korea, "DPRK", ["cooperate", "grit"], episodes=300, rounds=40, seed=2)
    assert found.success_counts == counts
    for candidate in found.candidates:
        results = simulate(korea, {"DPRK": candidate.spec}, episodes=300, rounds=40, seed=2)
        summary = results.summary()
        assert candidate.success.mean == summary.success.mean
        expected = summary.reached if counts == "reached" else summary.held_to_end
        assert expected is not None
        assert candidate.success.mean == expected.mean
