"""Replays of recorded moves, and forecasts that start from them.

The equivalence test holds a forecast from a replayed state equal to one from
the same state written by hand as the scenario's ``initial:`` section: both
paths build their episodes with the same code (``engine/start.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest
import yaml

from detente.engine import CounterRNG, initial_section, initial_state
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.load import builtin_text
from detente.scenario.moves import NamedMove as N
from detente.simulate import compare, simulate
from detente.simulate.best_response import best_response
from detente.simulate.replay import ReplayError, replay
from detente.simulate.runner import build_profile, play
from tests.simulate.test_simulate import assert_same

Moves = Sequence[Mapping[str, N]]

ESCALATION_AND_THAW: Moves = [
    {"DPRK": N(["missile_test.icbm"]), "US": N(["large_scale_drills.full"])},
    {"DPRK": N(["nuclear_test"])},
    {"DPRK": N(["freeze_tests"]), "US": N(["suspend_drills"]), "ROK": N(["suspend_drills"])},
    {"DPRK": N(["summit"], ["dprk_summit"]), "US": N(["summit"], ["us_summit"])},
    {},
]
COUNCIL = {party: N(["unscr_2375.in_favour"]) for party in ("US", "CHN", "RUS")}
# the escalation answered by the Council (Resolution 2375 after the nuclear test)
SANCTIONED: Moves = [*ESCALATION_AND_THAW[:2], COUNCIL, *ESCALATION_AND_THAW[2:]]
MEMORYLESS = {
    "US": "tit_for_tat",
    "ROK": "tit_for_tat",
    "JPN": "tit_for_tat",
    "CHN": "random:p=0.9",
    "RUS": "random:p=0.9",
    "DPRK": "random:p=0.6",
}


def test_a_replay_is_deterministic_and_its_noise_comes_from_the_seed(
    korea: CompiledScenario,
) -> None:
    first = replay(korea, ESCALATION_AND_THAW, seed=3, episodes=4)
    again = replay(korea, ESCALATION_AND_THAW, seed=3, episodes=4)
    for b in range(4):
        assert first.records(b) == again.records(b)
    trust = [r.final.trust for r in (replay(korea, ESCALATION_AND_THAW, seed=s) for s in range(6))]
    assert any(not np.array_equal(trust[0], t) for t in trust[1:])  # misperception is drawn
    quiet = replay(korea, ESCALATION_AND_THAW, noise=False)
    for rnd in quiet.rounds:
        for p in range(korea.n_parties):  # every observer saw exactly what was executed
            np.testing.assert_array_equal(rnd.after.perceived_by(p), rnd.after.executed)


def test_a_replay_reports_stage_agreements_and_trust_per_round(korea: CompiledScenario) -> None:
    records = replay(korea, ESCALATION_AND_THAW, noise=False).records()
    assert [r["round"] for r in records] == [1, 2, 3, 4, 5]
    assert records[3]["agreements_in_force"] == ["summitry"]
    assert records[0]["agreements_in_force"] == []
    # the nuclear test lowers the US's trust in the DPRK, the freeze raises it
    us_dprk = [r["trust"]["US"]["DPRK"] for r in records]
    assert us_dprk[1] < us_dprk[0] < us_dprk[2]
    assert "DPRK.nuclear_test" in records[1]["perceived"]["JPN"]
    assert any(e["type"] == "agreement_reached" for e in records[3]["events"])


def test_standing_policies_last_until_revoked(korea: CompiledScenario) -> None:
    moves: Moves = [{"DPRK": N(["freeze_tests"])}, {}, {}, {"DPRK": N(["end_moratorium"])}, {}]
    rounds = replay(korea, moves, noise=False).rounds
    in_force = ["DPRK.freeze_tests" in r.record()["policies_in_force"] for r in rounds]
    assert in_force == [True, True, True, False, False]
    executed = [bool(r.after.executed[0, korea.slot_of("DPRK", "freeze_tests")]) for r in rounds]
    assert executed == [True, True, True, False, False]  # carried without being re-entered


def test_a_move_the_model_makes_unavailable_is_dropped_and_reported(
    korea: CompiledScenario,
) -> None:
    moves: Moves = [
        {"DPRK": N(["peace_treaty", "missile_test.short_range"])},  # a treaty in stage 1
        {"US": N(["resume_drills"])},  # revoking a suspension that is not in force
        {"DPRK": N(["missile_test.short_range", "missile_test.icbm"])},  # two levels
    ]
    played = replay(korea, moves, episodes=2)
    first, second, third = (r.record() for r in played.rounds)
    assert first["refused"] == [
        {
            "party": "DPRK",
            "kind": "action",
            "name": "peace_treaty",
            "reason": "it is not available in stage trust_building",
            "episodes": 2,
        }
    ]
    treaty = korea.slot_of("DPRK", "peace_treaty")
    assert not played.rounds[0].after.executed[:, treaty].any()
    assert (
        played.rounds[0].after.executed[:, korea.slot_of("DPRK", "missile_test.short_range")].all()
    )
    assert [r["name"] for r in second["refused"]] == ["resume_drills"]
    assert "not in force" in second["refused"][0]["reason"]
    assert third["refused"][0]["name"] == "missile_test.short_range"
    assert played.rounds[2].after.executed[:, korea.slot_of("DPRK", "missile_test.icbm")].all()


def test_a_name_the_scenario_does_not_have_is_an_error(korea: CompiledScenario) -> None:
    with pytest.raises(ReplayError, match=r"round 2: DPRK has no action 'launch'"):
        replay(korea, [{}, {"DPRK": N(["launch"])}])
    with pytest.raises(ReplayError, match="round 1: unknown party 'USA'"):
        replay(korea, [{"USA": N(["summit"])}])


def by_hand(korea: CompiledScenario, section: dict[str, object]) -> CompiledScenario:
    doc = yaml.safe_load(builtin_text("korea"))
    doc["initial"] = section
    return compile_scenario(parse_scenario(doc))


def test_a_forecast_from_a_replay_equals_one_from_the_same_state_set_by_hand(
    korea: CompiledScenario,
) -> None:
    played = replay(korea, SANCTIONED, noise=False)  # its last round is quiet
    assert (played.final.institution_level("UNSC.sanctions") == 1).all()  # oil_cap adopted
    hand = by_hand(korea, initial_section(played.final))
    a, b = initial_state(korea, 5, start=played.final), initial_state(hand, 5)
    fields = ("stage", "stalled", "trust", "perceived", "taken", "in_force", "track_level")
    for field in (*fields, "institution_levels"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    np.testing.assert_array_equal(a.policies_in_force, b.policies_in_force)
    from_replay = simulate(korea, MEMORYLESS, 400, 30, seed=8, start=played)
    from_hand = simulate(hand, MEMORYLESS, 400, 30, seed=8)
    assert_same(from_replay, from_hand)
    cold = simulate(korea, MEMORYLESS, 400, 30, seed=8)
    assert not np.array_equal(cold.total, from_hand.total)  # the start matters


def test_a_forecast_from_a_replayed_state_is_batch_and_chunk_invariant(
    korea: CompiledScenario,
) -> None:
    played = replay(korea, ESCALATION_AND_THAW, seed=2, episodes=3)
    profile = {"US": "grim_trigger", "DPRK": "random:p=0.7", "ROK": "tit_for_two_tats"}
    batch = simulate(korea, profile, 9, 20, seed=4, start=played)
    chunked = simulate(korea, profile, 9, 20, seed=4, start=played, chunk=4)
    assert_same(batch, chunked)
    for e in range(9):
        alone = simulate(korea, profile, 1, 20, 4, first_episode=e, start=played)
        np.testing.assert_array_equal(batch.total[e], alone.total[0])
        np.testing.assert_array_equal(batch.first_reached[e], alone.first_reached[0])
    # episode n starts from the replay's episode n % 3
    starts = initial_state(korea, 9, start=played.final)
    for e in range(9):
        np.testing.assert_array_equal(starts.trust[e], played.final.trust[e % 3])


def first_moves(
    korea: CompiledScenario, profile: dict[str, str], warm: bool, moves: Moves
) -> np.ndarray:
    """The US's outright actions in the first round of a forecast, warmed or not."""
    played = replay(korea, moves, noise=False)
    _, strategies = build_profile(korea, profile)
    state = initial_state(korea, 1, start=played.final)
    rng = CounterRNG(0)
    history = played.history if warm else ()
    events = next(play(strategies, state, 1, rng, history=history))
    us = korea.seat("US")
    return events.submissions.actions[0, us.slots]


def test_warmed_strategies_remember_the_history(korea: CompiledScenario) -> None:
    provoked_then_quiet: Moves = [{"DPRK": N(["nuclear_test"])}, {}, {}]
    grim = {"US": "grim_trigger"}
    warm = first_moves(korea, grim, True, provoked_then_quiet)
    cold = first_moves(korea, grim, False, provoked_then_quiet)
    assert not np.array_equal(warm, cold)  # the grudge of round 1 is remembered
    # tit for tat needs no warming: the last round's perception is part of the state
    provoked_last: Moves = [{}, {}, {"DPRK": N(["nuclear_test"])}]
    tft = {"US": "tit_for_tat"}
    np.testing.assert_array_equal(
        first_moves(korea, tft, True, provoked_last), first_moves(korea, tft, False, provoked_last)
    )
    assert not np.array_equal(
        first_moves(korea, tft, False, provoked_last),
        first_moves(korea, tft, False, provoked_then_quiet),
    )


def test_warming_asks_every_strategy_once_per_replayed_round(korea: CompiledScenario) -> None:
    played = replay(korea, ESCALATION_AND_THAW)
    _, strategies = build_profile(korea, {})
    state = initial_state(korea, 2, start=played.final)
    rounds: list[int] = []
    original = strategies[0].move

    def counting(view):  # type: ignore[no-untyped-def]
        rounds.append(view.round)
        return original(view)

    strategies[0].move = counting  # type: ignore[method-assign]
    list(play(strategies, state, 2, CounterRNG(0), history=played.history))
    assert rounds == [0, 1, 2, 3, 4, 0, 1]  # five replayed rounds, then the forecast's from 0


def test_compare_and_best_response_start_from_the_replay(korea: CompiledScenario) -> None:
    played = replay(korea, ESCALATION_AND_THAW, seed=1)
    profiles = {"defaults": None, "hawkish": {"US": "hawk"}}
    paired = compare(korea, profiles, episodes=50, rounds=10, seed=2, start=played)
    alone = simulate(korea, {"US": "hawk"}, 50, 10, 2, start=played).summary()
    assert paired.summaries["hawkish"].to_dict() == alone.to_dict()
    cold = simulate(korea, {"US": "hawk"}, 50, 10, 2).summary()
    assert paired.summaries["hawkish"].to_dict() != cold.to_dict()
    found = best_response(korea, "US", ["hawk", "dove"], episodes=30, rounds=8, start=played)
    hawk = simulate(korea, {"US": "hawk"}, 30, 8, 0, start=played)
    us = korea.parties.index("US")
    assert found.candidates[0].discounted.mean == pytest.approx(
        float(hawk.discounted[:, us].mean())
    )
