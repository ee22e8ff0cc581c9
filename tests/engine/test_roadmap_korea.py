"""Every stage transition of the korea roadmap, driven move by move without noise."""

from __future__ import annotations

import pytest

from detente.engine import (
    CounterRNG,
    State,
    Submissions,
    UnavailableActionError,
    initial_state,
    step,
)
from detente.engine.roadmap import ADVANCE, BACK, RESUME, STALL
from detente.scenario.compiled import CompiledScenario
from tests.engine.moves import executed_labels, moves

RNG = CounterRNG(11)
FREEZE = ["double_freeze"]
SUMMIT = ["summitry"]


def play(compiled: CompiledScenario, state: State, sub: Submissions) -> tuple[State, int]:
    state, events = step(state, sub, RNG)
    return state, int(events.outcome.transition[0])


def stage_of(state: State) -> str:
    return state.compiled.stages[int(state.arrays.stage[0])]


def reach_stage_two(c: CompiledScenario) -> State:
    state = initial_state(c, 1)
    for _ in range(10):
        state, kind = play(c, state, moves(c, deals=FREEZE + SUMMIT))
        if kind == ADVANCE:
            return state
    raise AssertionError("stage two not reached")


def test_double_freeze_and_summit_open_stage_two(korea_quiet: CompiledScenario) -> None:
    c = korea_quiet
    state = initial_state(c, 1)
    kinds = []
    for _ in range(3):
        state, kind = play(c, state, moves(c, deals=FREEZE + SUMMIT))
        kinds.append(kind)
    assert stage_of(state) == "simultaneous_actions"
    assert kinds[-1] == ADVANCE
    assert kinds[:-1] == [0, 0], "calm_rounds: 3 must hold before leaving trust building"
    assert state.arrays.in_force[0, c.deals.index("double_freeze")]


def test_bilateral_track_gates_the_multilateral_roadmap(korea_quiet: CompiledScenario) -> None:
    """Freeze, calm and trust are not enough without a US-DPRK summit."""
    c = korea_quiet
    state = initial_state(c, 1)
    for _ in range(8):
        state, _ = play(c, state, moves(c, deals=FREEZE))
    assert stage_of(state) == "trust_building"
    assert state.arrays.trust[0, c.parties.index("DPRK"), c.parties.index("US")] > 0.45
    state, kind = play(c, state, moves(c, deals=FREEZE + SUMMIT))
    assert state.arrays.track_level[0, c.tracks.index("us_dprk")] == 1
    assert kind == ADVANCE
    assert stage_of(state) == "simultaneous_actions"


def test_freeze_without_deal_partner_does_not_clear(korea_quiet: CompiledScenario) -> None:
    """A deal executes only whole: the DPRK's offer alone clears nothing."""
    c = korea_quiet
    state, events = step(initial_state(c, 1), moves(c, offers=["dprk_freeze", "us_suspend"]), RNG)
    assert executed_labels(c, state.arrays.executed[0]) == set()
    assert not events.outcome.deal_cleared[0].any()


def test_nuclear_test_stalls_and_summit_resumes(korea_quiet: CompiledScenario) -> None:
    c = korea_quiet
    state = initial_state(c, 1)
    state, kind = play(c, state, moves(c, actions=["DPRK.nuclear_test"]))
    assert kind == STALL
    assert bool(state.arrays.stalled[0])
    for _ in range(3):
        state, kind = play(c, state, moves(c, deals=FREEZE))
        assert kind == 0, "a stalled process does not advance, even with the freeze in force"
    state, kind = play(c, state, moves(c, deals=SUMMIT))
    assert kind == RESUME
    assert not state.arrays.stalled[0]
    assert stage_of(state) == "trust_building", "stalled is not dead: the stage is kept"


def test_stalled_process_resumes_after_calm_six_party_meeting(
    korea_quiet: CompiledScenario,
) -> None:
    c = korea_quiet
    state, _ = play(c, initial_state(c, 1), moves(c, actions=["DPRK.nuclear_test"]))
    meeting = [f"{p}.multilateral_meeting" for p in c.parties]
    state, kind = play(c, state, moves(c, actions=meeting))
    assert kind == 0, "a meeting right after a test is not calm enough"
    for _ in range(2):
        state, kind = play(c, state, moves(c))
    state, kind = play(c, state, moves(c, actions=meeting))
    assert kind == RESUME


def test_provocation_in_stage_two_sets_back(korea_quiet: CompiledScenario) -> None:
    c = korea_quiet
    state = reach_stage_two(c)
    state, kind = play(c, state, moves(c, actions=["DPRK.missile_test"]))
    assert kind == BACK
    assert stage_of(state) == "trust_building"


def test_violation_of_the_freeze_sets_back(korea_quiet: CompiledScenario) -> None:
    """Drills while the double freeze is in force violate it; in stage 2 that sets back."""
    c = korea_quiet
    state = reach_stage_two(c)
    state, events = step(state, moves(c, actions=["US.large_scale_drills"]), RNG)
    d = c.deals.index("double_freeze")
    assert events.outcome.violated[0, d]
    assert not state.arrays.in_force[0, d]
    assert int(events.outcome.transition[0]) == BACK
    records = [e for e in events.records(0) if e.type == "agreement_violated"]
    assert records[0].payload == {"deal": "double_freeze"}


def test_stage_three_and_success(korea_quiet: CompiledScenario) -> None:
    c = korea_quiet
    state = reach_stage_two(c)
    stage_two = FREEZE + SUMMIT + ["liaison_offices", "small_deal", "end_of_war"]
    state, kind = play(c, state, moves(c, deals=stage_two))
    assert kind == 0, "min_rounds: 2 in simultaneous actions"
    state, kind = play(c, state, moves(c, deals=FREEZE + SUMMIT))
    assert kind == ADVANCE
    assert stage_of(state) == "peace_mechanism"
    peace = [*FREEZE, "peace_and_security"]
    rounds = 0
    while state.arrays.success_round[0] < 0:
        state, kind = play(c, state, moves(c, deals=peace if rounds == 0 else FREEZE))
        rounds += 1
        assert rounds <= c.scenario.roadmap.success.hold_rounds
    assert rounds == c.scenario.roadmap.success.hold_rounds
    assert state.arrays.success_round[0] == state.round


def test_one_off_act_cannot_be_repeated(korea_quiet: CompiledScenario) -> None:
    c = korea_quiet
    state = reach_stage_two(c)
    state, _ = play(c, state, moves(c, deals=["liaison_offices"]))
    with pytest.raises(
        UnavailableActionError, match=r"US cannot take liaison_office: it is a one-off"
    ):
        step(state, moves(c, actions=["US.liaison_office"]), RNG)


def test_unavailable_action_is_refused_with_names(korea_quiet: CompiledScenario) -> None:
    c = korea_quiet
    state = initial_state(c, 1)
    message = (
        r"round 1, episode 0: US cannot take sanctions_relief: it is not available in stage "
        r"trust_building"
    )
    with pytest.raises(UnavailableActionError, match=message):
        step(state, moves(c, actions=["US.sanctions_relief"]), RNG)
    with pytest.raises(UnavailableActionError, match=r"cannot offer commitment us_treaty"):
        step(state, moves(c, offers=["us_treaty"]), RNG)
