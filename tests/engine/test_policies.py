"""Standing policies, revocations, reversals and graded actions, played through ``step``.

The scenario is tests/engine/policies.yaml: A's moratorium (a standing
policy, revoked by end_moratorium), B's relief (a graded standing policy,
partial or full, revoked by snap_back), A's dismantlement (a one-off act,
reversed by restart), A's missile tests (short range, or ICBM which breaks
the moratorium).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.engine import (
    ConflictingActionsError,
    CounterRNG,
    State,
    StepEvents,
    UnavailableActionError,
    available,
    initial_state,
    step,
)
from detente.scenario import load_scenario, parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.moves import NamedMove
from tests.engine.moves import executed_labels, moves

FIXTURE = Path(__file__).with_name("policies.yaml")


@pytest.fixture(scope="module")
def c() -> CompiledScenario:
    return compile_scenario(load_scenario(FIXTURE))


Round = tuple[list[str], list[str]]  # outright PARTY.action labels, offered deals


def play(c: CompiledScenario, rounds: list[Round]) -> list[tuple[State, StepEvents]]:
    state, out = initial_state(c, 1), []
    for actions, deals in rounds:
        state, events = step(state, moves(c, actions, deals=deals), CounterRNG(3))
        out.append((state, events))
    return out


def kinds(events: StepEvents, kind: str) -> list[dict[str, object]]:
    return [e.payload | {"party": e.party} for e in events.records(0) if e.type == kind]


def test_a_standing_policy_persists_and_pays_every_round_without_being_rechosen(
    c: CompiledScenario,
) -> None:
    played = play(c, [(["A.moratorium"], []), ([], []), ([], []), ([], [])])
    k = c.slot_of("A", "moratorium")
    for rnd, (state, events) in enumerate(played, start=1):
        assert state.in_force_policy(k)[0], rnd
        assert "A.moratorium" in executed_labels(c, state.executed[0]), rnd
        assert events.payoff[0, c.parties.index("B")] == 3.0, rnd
        assert events.payoff[0, c.parties.index("A")] == -1.0, rnd
        # evidence: B perceives the moratorium every round (no noise in the fixture)
        assert state.perceived_by(c.parties.index("B"))[0, k], rnd
    assert kinds(played[0][1], "policy_started") == [{"action": "moratorium", "party": "A"}]
    assert kinds(played[1][1], "policy_started") == []
    executed = kinds(played[2][1], "action_executed")
    assert {"action": "moratorium", "via": "policy", "party": "A"} in executed
    # trust of B in A keeps rising on the moratorium's evidence
    trust = [s.trust_in(c.parties.index("B"), c.parties.index("A"))[0] for s, _ in played]
    assert trust == sorted(trust)
    assert trust[-1] > trust[0]


def test_a_revoked_policy_stops(c: CompiledScenario) -> None:
    played = play(c, [(["A.moratorium"], []), ([], []), (["A.end_moratorium"], []), ([], [])])
    k = c.slot_of("A", "moratorium")
    revoked, events = played[2]
    assert not revoked.in_force_policy(k)[0]
    assert "A.moratorium" not in executed_labels(c, revoked.executed[0])
    assert "A.end_moratorium" in executed_labels(c, revoked.executed[0])
    assert kinds(events, "policy_ended") == [
        {"action": "moratorium", "cause": "revoked", "by": "end_moratorium", "party": "A"}
    ]
    after, events = played[3]
    assert events.payoff[0, c.parties.index("B")] == 0.0
    assert not executed_labels(c, after.executed[0])
    # a revocation is an act like any other: B sees it, and it is a provocation
    b = c.parties.index("B")
    assert revoked.perceived_by(b)[0, c.slot_of("A", "end_moratorium")]
    assert revoked.trust_in(b, 0)[0] < played[1][0].trust_in(b, 0)[0]


def test_a_revocation_is_unavailable_while_its_policy_is_not_in_force(
    c: CompiledScenario,
) -> None:
    state = initial_state(c, 1)
    assert not available(state)[0, c.slot_of("A", "end_moratorium")]
    with pytest.raises(UnavailableActionError, match="revokes moratorium, which is not in force"):
        step(state, moves(c, ["A.end_moratorium"]), CounterRNG(0))
    played = play(c, [(["A.moratorium"], []), (["A.end_moratorium"], [])])
    assert available(played[0][0])[0, c.slot_of("A", "end_moratorium")]
    assert not available(played[1][0])[0, c.slot_of("A", "end_moratorium")]
    with pytest.raises(UnavailableActionError):
        step(played[1][0], moves(c, ["A.end_moratorium"]), CounterRNG(0))


def test_revoking_a_committed_policy_violates_the_agreement(c: CompiledScenario) -> None:
    played = play(c, [([], ["freeze_for_relief"]), ([], []), (["A.end_moratorium"], [])])
    first, events = played[0]
    assert kinds(events, "agreement_reached") == [{"deal": "freeze_for_relief", "party": None}]
    assert c.stages[int(first.stage[0])] == "freeze"
    held, events = played[1]
    assert held.in_force[0, c.deals.index("freeze_for_relief")]
    assert {"A.moratorium", "B.relief.partial"} <= executed_labels(c, held.executed[0])
    broken, events = played[2]
    assert kinds(events, "agreement_violated") == [{"deal": "freeze_for_relief", "party": None}]
    assert not broken.in_force[0, c.deals.index("freeze_for_relief")]
    assert c.rules[int(events.breakdown[0])] == "freeze.violation_sets_back"
    assert c.stages[int(broken.stage[0])] == "talks"
    # B's relief stays in force: only A revoked
    assert broken.in_force_policy(c.slot_of("B", "relief.partial"))[0]


def test_a_commitment_on_a_policy_in_force_clears_and_counts_for_the_deal(
    c: CompiledScenario,
) -> None:
    played = play(c, [(["A.moratorium", "B.relief.partial"], []), ([], ["freeze_for_relief"])])
    state, events = played[1]
    assert kinds(events, "agreement_reached") == [{"deal": "freeze_for_relief", "party": None}]
    assert kinds(events, "policy_started") == []
    assert state.in_force_policy(c.slot_of("A", "moratorium"))[0]


def test_a_reversed_one_off_is_available_again_and_violates_its_agreement(
    c: CompiledScenario,
) -> None:
    dismantle, restart = c.slot_of("A", "dismantle"), c.slot_of("A", "restart")
    assert not available(initial_state(c, 1))[0, restart]
    played = play(c, [([], ["big_deal"]), ([], []), (["A.restart"], [])])
    done, events = played[0]
    assert kinds(events, "agreement_reached") == [{"deal": "big_deal", "party": None}]
    assert done.taken[0, dismantle]
    assert not available(done)[0, dismantle]
    assert available(done)[0, restart]
    reversed_, events = played[2]
    assert kinds(events, "agreement_violated") == [{"deal": "big_deal", "party": None}]
    assert not reversed_.taken[0, dismantle]
    assert available(reversed_)[0, dismantle]
    assert not available(reversed_)[0, restart]
    again, _ = play(c, [([], ["big_deal"]), (["A.restart"], []), (["A.dismantle"], [])])[2]
    assert again.taken[0, dismantle]


def test_a_level_breaks_only_what_it_should(c: CompiledScenario) -> None:
    short = play(c, [([], ["freeze_for_relief"]), (["A.missile_test.short_range"], [])])
    assert not short[1][1].outcome.violated[0].any()
    assert short[1][0].in_force[0, c.deals.index("freeze_for_relief")]
    icbm = play(c, [([], ["freeze_for_relief"]), (["A.missile_test.icbm"], [])])
    assert kinds(icbm[1][1], "agreement_violated") == [{"deal": "freeze_for_relief", "party": None}]


def test_conditions_name_a_level_or_stronger_and_a_bare_action_any_level(
    c: CompiledScenario,
) -> None:
    def clears(outright: list[str], offer: str) -> bool:
        state = initial_state(c, 1)
        sub = moves(c, outright, offers=[offer])
        _, events = step(state, sub, CounterRNG(0))
        return bool(events.outcome.cleared[0, c.commitments.index(offer)])

    # a bare action: any level
    assert clears(["B.relief.partial"], "a_freeze_any")
    assert clears(["B.relief.full"], "a_freeze_any")
    assert not clears(["B.talks"], "a_freeze_any")
    # a level: that level or a stronger one
    assert clears(["B.relief.partial"], "a_talks")
    assert clears(["B.relief.full"], "a_talks")
    assert not clears(["B.relief.partial"], "a_talks_full")
    assert clears(["B.relief.full"], "a_talks_full")


def test_criteria_with_levels(c: CompiledScenario) -> None:
    """The freeze stage's exit needs B.relief.full executed and A.dismantle taken; success
    needs the moratorium and any level of relief."""
    played = play(
        c,
        [
            ([], ["freeze_for_relief"]),
            ([], ["big_deal"]),  # full relief and dismantlement: on to the settlement
            ([], []),
            ([], []),
        ],
    )
    assert [c.stages[int(s.stage[0])] for s, _ in played] == [
        "freeze",
        "settlement",
        "settlement",
        "settlement",
    ]
    assert played[3][0].success_round[0] == 4  # held two rounds in the final stage
    only_partial = play(c, [([], ["freeze_for_relief"]), (["A.dismantle"], [])])
    assert c.stages[int(only_partial[1][0].stage[0])] == "freeze"


def test_two_levels_in_one_move_are_refused(c: CompiledScenario) -> None:
    state = initial_state(c, 1)
    with pytest.raises(
        ConflictingActionsError, match=r"B takes relief\.partial and relief\.full in one move"
    ):
        step(state, moves(c, ["B.relief.partial", "B.relief.full"]), CounterRNG(0))
    with pytest.raises(
        ValueError, match=r"A takes missile_test\.short_range and missile_test\.icbm"
    ):
        c.seat("A").flags(NamedMove(["missile_test.icbm", "missile_test.short_range"]))
    assert c.seat("A").conflict(NamedMove(["missile_test.icbm", "talks"])) is None
    in_force = play(c, [(["A.moratorium"], [])])[0][0]
    with pytest.raises(ConflictingActionsError, match="moratorium and end_moratorium"):
        step(in_force, moves(c, ["A.moratorium", "A.end_moratorium"]), CounterRNG(0))


def test_a_graded_policy_switches_level_and_stepping_down_breaks_a_promise_of_more(
    c: CompiledScenario,
) -> None:
    partial, full = c.slot_of("B", "relief.partial"), c.slot_of("B", "relief.full")
    played = play(
        c,
        [
            (["B.relief.partial"], []),
            (["B.relief.full"], []),
            ([], []),
            (["B.relief.partial"], []),
            (["B.snap_back"], []),
        ],
    )
    in_force = [
        (bool(s.in_force_policy(partial)[0]), bool(s.in_force_policy(full)[0])) for s, _ in played
    ]
    assert in_force == [(True, False), (False, True), (False, True), (True, False), (False, False)]
    assert kinds(played[1][1], "policy_ended") == [
        {"action": "relief.partial", "cause": "replaced", "party": "B"}
    ]
    assert kinds(played[4][1], "policy_ended") == [
        {"action": "relief.partial", "cause": "revoked", "by": "snap_back", "party": "B"}
    ]
    # a deal that promised full relief is broken by stepping down to partial
    big = play(c, [([], ["big_deal"]), ([], []), (["B.relief.partial"], [])])
    assert big[1][0].in_force[0, c.deals.index("big_deal")]
    assert kinds(big[2][1], "agreement_violated") == [{"deal": "big_deal", "party": None}]


def test_a_commitment_on_a_milder_level_is_honoured_by_the_stronger(c: CompiledScenario) -> None:
    """B takes full relief outright and its partial relief clears in the deal: one level runs,
    the strongest, and the deal is reached."""
    state, events = play(c, [(["B.relief.full"], ["freeze_for_relief"])])[0]
    assert kinds(events, "agreement_reached") == [{"deal": "freeze_for_relief", "party": None}]
    labels = executed_labels(c, state.executed[0])
    assert "B.relief.full" in labels
    assert "B.relief.partial" not in labels
    assert state.in_force_policy(c.slot_of("B", "relief.full"))[0]


def _variant(c: CompiledScenario, action: str, **changes: object) -> CompiledScenario:
    doc = c.scenario.model_dump(by_alias=True, exclude_defaults=True)
    next(a for a in doc["actions"] if a["id"] == action).update(changes)
    if "levels" in changes:  # what named the ungraded action now names its strongest level
        strongest = f"{action}.{changes['levels'][-1]['id']}"  # type: ignore[index]
        for util in doc["utilities"]["parties"].values():
            for ref in [r for r in util["linear"] if r.endswith(f".{action}")]:
                util["linear"][f"{ref.split('.')[0]}.{strongest}"] = util["linear"].pop(ref)
        for com in doc["commitments"]:
            com["action"] = strongest if com["action"] == action else com["action"]
    return compile_scenario(parse_scenario(doc))


def test_a_policy_outlives_its_stages_and_can_be_revoked_in_any(c: CompiledScenario) -> None:
    only_talks = _variant(c, "moratorium", stages=["talks"])
    played = play(only_talks, [([], ["freeze_for_relief"]), ([], [])])
    state = played[1][0]
    assert only_talks.stages[int(state.stage[0])] == "freeze"
    assert not available(state)[0, only_talks.slot_of("A", "moratorium")]
    assert state.in_force_policy(only_talks.slot_of("A", "moratorium"))[0]
    assert available(state)[0, only_talks.slot_of("A", "end_moratorium")]


def test_a_one_off_graded_act_closes_each_level_and_its_reversal_undoes_all(
    c: CompiledScenario,
) -> None:
    graded = _variant(c, "dismantle", levels=[{"id": "partial"}, {"id": "complete"}])
    partial, complete = (
        graded.slot_of("A", "dismantle.partial"),
        graded.slot_of("A", "dismantle.complete"),
    )
    restart = graded.slot_of("A", "restart")
    played = play(graded, [(["A.dismantle.partial"], []), (["A.dismantle.complete"], [])])
    first, second = played[0][0], played[1][0]
    assert not available(first)[0, partial]
    assert available(first)[0, complete]
    assert available(first)[0, restart]
    assert second.taken[0, [partial, complete]].all()
    with pytest.raises(ConflictingActionsError, match=r"dismantle\.complete and restart"):
        step(first, moves(graded, ["A.dismantle.complete", "A.restart"]), CounterRNG(0))
    undone, _ = step(second, moves(graded, ["A.restart"]), CounterRNG(0))
    assert not undone.taken[0, [partial, complete]].any()
    assert available(undone)[0, [partial, complete]].all()


def test_a_policy_revoked_in_the_round_its_deal_clears_violates_it(c: CompiledScenario) -> None:
    """The moratorium is in force; A offers it in the deal and revokes it in the same round: the
    deal is reached and violated at once, and the moratorium ends."""
    in_force = play(c, [(["A.moratorium"], [])])[0][0]
    state, events = step(
        in_force, moves(c, ["A.end_moratorium"], deals=["freeze_for_relief"]), CounterRNG(0)
    )
    assert kinds(events, "agreement_reached") == [{"deal": "freeze_for_relief", "party": None}]
    assert kinds(events, "agreement_violated") == [{"deal": "freeze_for_relief", "party": None}]
    assert not state.in_force[0, c.deals.index("freeze_for_relief")]
    assert not state.in_force_policy(c.slot_of("A", "moratorium"))[0]
