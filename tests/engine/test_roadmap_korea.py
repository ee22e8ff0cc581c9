"""Every stage transition of the korea roadmap, driven move by move without noise.

The roadmap is driven from its first stage, not stalled: korea's own start
(``initial:``, stalled since 2009) is left out, so that each transition is
the one the test makes."""

from __future__ import annotations

import pytest

from detente.engine import (
    CounterRNG,
    State,
    StepEvents,
    Submissions,
    UnavailableActionError,
    initial_state,
    step,
)
from detente.engine.roadmap import ADVANCE, BACK, RESUME, STALL
from detente.scenario.compiled import CompiledScenario, compile_scenario
from tests.engine.moves import executed_labels, moves

RNG = CounterRNG(11)
FREEZE = ["double_freeze"]
SUMMIT = ["summitry"]


@pytest.fixture(scope="module")
def korea_fresh(korea_quiet: CompiledScenario) -> CompiledScenario:
    """korea without noise, from the first stage and not stalled (no ``initial:``)."""
    return compile_scenario(korea_quiet.scenario.model_copy(update={"initial": None}))


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


def test_double_freeze_and_summit_open_stage_two(korea_fresh: CompiledScenario) -> None:
    c = korea_fresh
    state = initial_state(c, 1)
    kinds = []
    for _ in range(3):
        state, kind = play(c, state, moves(c, deals=FREEZE + SUMMIT))
        kinds.append(kind)
    assert stage_of(state) == "simultaneous_actions"
    assert kinds[-1] == ADVANCE
    assert kinds[:-1] == [0, 0], "calm_rounds: 3 must hold before leaving trust building"
    assert state.arrays.in_force[0, c.deals.index("double_freeze")]


def test_bilateral_track_gates_the_multilateral_roadmap(korea_fresh: CompiledScenario) -> None:
    """Freeze, calm and trust are not enough without a US-DPRK summit."""
    c = korea_fresh
    state = initial_state(c, 1)
    for _ in range(8):
        state, _ = play(c, state, moves(c, deals=FREEZE))
    assert stage_of(state) == "trust_building"
    assert state.arrays.trust[0, c.parties.index("DPRK"), c.parties.index("US")] > 0.45
    state, kind = play(c, state, moves(c, deals=FREEZE + SUMMIT))
    assert state.arrays.track_level[0, c.tracks.index("us_dprk")] == 1
    assert kind == ADVANCE
    assert stage_of(state) == "simultaneous_actions"


def test_freeze_without_deal_partner_does_not_clear(korea_fresh: CompiledScenario) -> None:
    """A deal executes only whole: the DPRK's offer alone clears nothing."""
    c = korea_fresh
    state, events = step(initial_state(c, 1), moves(c, offers=["dprk_freeze", "us_suspend"]), RNG)
    assert executed_labels(c, state.arrays.executed[0]) == set()
    assert not events.outcome.deal_cleared[0].any()


def test_nuclear_test_stalls_and_a_summit_that_agrees_something_resumes(
    korea_fresh: CompiledScenario,
) -> None:
    """Resumption needs a summit that succeeds (one that clears a deal): a summit alone, as
    at Hanoi, fails and leaves the process stalled."""
    c = korea_fresh
    state = initial_state(c, 1)
    state, kind = play(c, state, moves(c, actions=["DPRK.nuclear_test"]))
    assert kind == STALL
    assert bool(state.arrays.stalled[0])
    for _ in range(3):
        state, kind = play(c, state, moves(c, deals=FREEZE))
        assert kind == 0, "a stalled process does not advance, even with the freeze in force"
    state, events = step(state, moves(c, deals=SUMMIT), RNG)
    summits = [c.slot_of(p, "summit") for p in ("US", "DPRK")]
    assert state.arrays.executed[0, summits].all()
    assert events.failed[0, summits].all(), "a summit that clears no deal fails"
    assert int(events.outcome.transition[0]) == 0, "a failed summit does not resume"
    assert bool(state.arrays.stalled[0])
    state, events = step(state, moves(c, deals=FREEZE + SUMMIT), RNG)
    assert not events.failed[0, summits].any(), "renewing the double freeze is a deal"
    assert int(events.outcome.transition[0]) == RESUME
    assert not state.arrays.stalled[0]
    assert stage_of(state) == "trust_building", "stalled is not dead: the stage is kept"


def test_stalled_process_resumes_after_calm_six_party_meeting(
    korea_fresh: CompiledScenario,
) -> None:
    c = korea_fresh
    state, _ = play(c, initial_state(c, 1), moves(c, actions=["DPRK.nuclear_test"]))
    meeting = [f"{p}.multilateral_meeting" for p in c.parties]
    state, kind = play(c, state, moves(c, actions=meeting))
    assert kind == 0, "a meeting right after a test is not calm enough"
    for _ in range(2):
        state, kind = play(c, state, moves(c))
    state, kind = play(c, state, moves(c, actions=meeting))
    assert kind == RESUME


def rule(c: CompiledScenario, events: StepEvents) -> str | None:
    """The breakdown rule that fired in episode 0, as ``stage.rule``."""
    k = int(events.breakdown[0])
    return None if k < 0 else c.rules[k]


@pytest.mark.parametrize(
    "act",
    [
        "DPRK.missile_test.intermediate",
        "DPRK.missile_test.icbm",  # a stronger level meets a condition on a milder one
        "DPRK.end_moratorium",
        "US.large_scale_drills.full",
        "ROK.large_scale_drills.full",
    ],
)
def test_provocation_in_stage_two_sets_back(korea_fresh: CompiledScenario, act: str) -> None:
    """Medium-range tests and more, the end of the moratorium, or full-scale drills."""
    c = korea_fresh
    state = reach_stage_two(c)
    state, events = step(state, moves(c, actions=[act]), RNG)
    assert int(events.outcome.transition[0]) == BACK
    assert rule(c, events) == "simultaneous_actions.provocation_sets_back"
    assert stage_of(state) == "trust_building"


@pytest.mark.parametrize(
    "act", ["DPRK.missile_test.short_range", "US.large_scale_drills.scaled_down"]
)
def test_short_range_tests_and_scaled_down_drills_do_not_set_back(
    korea_fresh: CompiledScenario, act: str
) -> None:
    """As in 2019: they neither end the freeze nor the talks."""
    c = korea_fresh
    state = reach_stage_two(c)
    state, events = step(state, moves(c, actions=[act]), RNG)
    assert act in executed_labels(c, state.arrays.executed[0])
    assert int(events.outcome.transition[0]) == 0
    assert rule(c, events) is None
    assert not events.outcome.violated[0].any()
    assert stage_of(state) == "simultaneous_actions"
    assert state.arrays.in_force[0, c.deals.index("double_freeze")]


@pytest.mark.parametrize("act", ["US.resume_drills", "DPRK.missile_test.icbm"])
def test_violation_of_the_freeze_sets_back(korea_fresh: CompiledScenario, act: str) -> None:
    """Resuming the drills (no provocation rule names it) or an ICBM test (only the ICBM
    level breaks the moratorium) while the double freeze is in force violates it."""
    c = korea_fresh
    state = reach_stage_two(c)
    state, events = step(state, moves(c, actions=[act]), RNG)
    d = c.deals.index("double_freeze")
    assert events.outcome.violated[0, d]
    assert not state.arrays.in_force[0, d]
    assert int(events.outcome.transition[0]) == BACK
    if act == "US.resume_drills":
        assert rule(c, events) == "simultaneous_actions.violation_sets_back"
    records = [e for e in events.records(0) if e.type == "agreement_violated"]
    assert records[0].payload == {"deal": "double_freeze"}


def test_stage_three_and_success(korea_fresh: CompiledScenario) -> None:
    c = korea_fresh
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


def test_one_off_act_cannot_be_repeated(korea_fresh: CompiledScenario) -> None:
    c = korea_fresh
    state = reach_stage_two(c)
    state, _ = play(c, state, moves(c, deals=["liaison_offices"]))
    with pytest.raises(
        UnavailableActionError, match=r"US cannot take liaison_office: it is a one-off"
    ):
        step(state, moves(c, actions=["US.liaison_office"]), RNG)


def test_unavailable_action_is_refused_with_names(korea_fresh: CompiledScenario) -> None:
    c = korea_fresh
    state = initial_state(c, 1)
    message = (
        r"round 1, episode 0: US cannot take sanctions_relief.partial: it is not available in "
        r"stage trust_building"
    )
    with pytest.raises(UnavailableActionError, match=message):
        step(state, moves(c, actions=["US.sanctions_relief.partial"]), RNG)
    with pytest.raises(
        UnavailableActionError,
        match=r"DPRK cannot take end_moratorium: it revokes freeze_tests, which is not in force",
    ):
        step(state, moves(c, actions=["DPRK.end_moratorium"]), RNG)
    with pytest.raises(UnavailableActionError, match=r"cannot offer commitment us_treaty"):
        step(state, moves(c, offers=["us_treaty"]), RNG)
