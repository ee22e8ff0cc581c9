"""Acts that can fail and dyadic readings: what observers conclude, events, criteria, batches.

The scenario is ``summit.yaml`` beside this file: a US-DPRK summit that
succeeds only when the small deal clears with it (else observers read it at
-3, Japan its DPRK side at -5), and drills that the DPRK reads at -7 when
the US holds them and Japan at +3 whoever does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import CounterRNG, EventType, State, StepEvents, initial_state, step
from detente.engine.kernel import TILE
from detente.scenario import load_scenario, parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.schema import Noise, Scenario
from tests.engine.moves import moves
from tests.engine.test_batch import assert_same, run

SUMMIT = Path(__file__).with_name("summit.yaml")


def scenario(**update: object) -> Scenario:
    return load_scenario(SUMMIT).model_copy(update=update)


def compiled(**update: object) -> CompiledScenario:
    return compile_scenario(scenario(**update))


@pytest.fixture(scope="module")
def summit() -> CompiledScenario:
    return compiled()


def one_round(c: CompiledScenario, **kw: list[str]) -> tuple[State, StepEvents]:
    """One round from the start, noise-free as the file has none."""
    return step(initial_state(c, 1), moves(c, **kw), CounterRNG(5))


def trust(state: State, c: CompiledScenario, truster: str, trusted: str) -> float:
    return float(state.trust_in(c.parties.index(truster), c.parties.index(trusted))[0])


def prior(c: CompiledScenario, truster: str, trusted: str) -> float:
    return trust(initial_state(c, 1), c, truster, trusted)


def test_a_failed_summit_is_not_cooperative_evidence(summit: CompiledScenario) -> None:
    failed, events = one_round(summit, deals=["summitry"])
    assert events.failed[0, summit.slot_of("US", "summit")]
    assert events.failed[0, summit.slot_of("DPRK", "summit")]
    for truster, trusted in (("ROK", "US"), ("ROK", "DPRK"), ("DPRK", "US"), ("US", "DPRK")):
        assert trust(failed, summit, truster, trusted) < prior(summit, truster, trusted)
    doc = yaml.safe_load(SUMMIT.read_text())
    doc["actions"][0]["outcome"]["failed"]["intensity"] = 0.0
    neutral = compile_scenario(parse_scenario(doc))
    quiet, _ = one_round(neutral, deals=["summitry"])
    assert trust(quiet, neutral, "ROK", "US") == prior(neutral, "ROK", "US"), "neither way"


def test_a_summit_that_yields_its_deal_is_cooperative_evidence(summit: CompiledScenario) -> None:
    state, events = one_round(summit, deals=["summitry", "small_deal"])
    assert not events.failed.any()
    # ROK sees the summit (+7) and the US's relief (+7): more than relief alone would give
    relief_only, _ = one_round(summit, deals=["small_deal"])
    assert trust(state, summit, "ROK", "US") > trust(relief_only, summit, "ROK", "US")
    assert trust(relief_only, summit, "ROK", "US") > prior(summit, "ROK", "US")


def test_the_failure_shows_in_the_executed_events(summit: CompiledScenario) -> None:
    def outcomes(events: StepEvents) -> dict[str, str | None]:
        return {
            f"{e.party}.{e.payload['action']}": e.payload.get("outcome")
            for e in events.records(0)
            if e.type == EventType.ACTION_EXECUTED
        }

    _, failed = one_round(summit, deals=["summitry"], actions=["US.drills"])
    assert outcomes(failed) == {"US.summit": "failed", "DPRK.summit": "failed", "US.drills": None}
    _, held = one_round(summit, deals=["summitry", "small_deal"])
    assert outcomes(held) == {
        "US.summit": "succeeded",
        "DPRK.summit": "succeeded",
        "US.relief": None,
        "DPRK.dismantle": None,
    }


def test_a_lone_attendee_fails_too(summit: CompiledScenario) -> None:
    """Outcomes are judged per act: the US at a summit the DPRK skipped has failed."""
    _, events = one_round(summit, actions=["US.summit"])
    assert events.failed[0].tolist() == [k == summit.slot_of("US", "summit") for k in range(7)]


def test_succeeded_criteria_tell_a_failed_summit_from_a_successful_one(
    summit: CompiledScenario,
) -> None:
    settlement = summit.stages.index("settlement")
    failed, _ = one_round(summit, deals=["summitry"])
    assert failed.stage[0] == 0, "exit needs the summit to succeed"
    held, _ = one_round(summit, deals=["summitry", "small_deal"])
    assert held.stage[0] == settlement
    executed_only = scenario().roadmap.model_dump(by_alias=True)
    executed_only["stages"][0]["exit"] = {"executed": ["US.summit", "DPRK.summit"]}
    loose = compiled(roadmap=type(scenario().roadmap).model_validate(executed_only))
    failed_loose, _ = one_round(loose, deals=["summitry"])
    assert failed_loose.stage[0] == settlement, "executed counts a failed summit"


def test_a_reading_changes_only_its_observers_trust_update(summit: CompiledScenario) -> None:
    plain = compiled(readings=[])
    read, _ = one_round(summit, actions=["US.drills"])
    common, _ = one_round(plain, actions=["US.drills"])
    differs = read.trust[0] != common.trust[0]
    us, dprk, jpn = (summit.parties.index(p) for p in ("US", "DPRK", "JPN"))
    assert differs.tolist() == [
        [o in (dprk, jpn) and p == us for p in range(4)] for o in range(4)
    ], "only DPRK's and Japan's trust in the US"
    assert read.trust[0, dprk, us] < common.trust[0, dprk, us], "-7 is worse than -4"
    assert read.trust[0, jpn, us] > prior(summit, "JPN", "US"), "+3 reassures"
    rok_drills, _ = one_round(summit, actions=["ROK.drills"])
    assert trust(rok_drills, summit, "DPRK", "ROK") == trust(
        one_round(plain, actions=["ROK.drills"])[0], plain, "DPRK", "ROK"
    ), "the DPRK's reading names the US only"


def test_a_reading_of_a_failed_act_is_its_failed_reading(summit: CompiledScenario) -> None:
    """Japan reads the DPRK at a failed summit at -5 (its own), the US at -3 (the action's)."""
    state, _ = one_round(summit, deals=["summitry"])
    harsh, mild = trust(state, summit, "JPN", "DPRK"), trust(state, summit, "JPN", "US")
    assert mild == trust(state, summit, "ROK", "US")
    assert harsh < mild
    # beta reputation by hand: prior 1:1, hostile evidence 0.5 (=-5/10)
    assert harsh == pytest.approx(1.0 / (1.0 + 1.0 + 0.5))


def test_readings_equal_to_the_intensities_change_nothing(summit: CompiledScenario) -> None:
    """An observer with readings of its own sums its evidence apart: it must agree bit for bit."""
    s = scenario(noise=Noise(miss=0.2, false_alarm=0.1, tremble=0.1))
    same = [
        r.model_copy(
            update={"intensity": next(a for a in s.actions if a.id == r.action).intensity}
        ).model_copy(update={"failed": None})
        for r in s.readings
    ]
    with_own = compile_scenario(s.model_copy(update={"readings": same}))
    without = compile_scenario(s.model_copy(update={"readings": []}))
    assert with_own.outcomes.own.any()
    assert not without.outcomes.own.any()
    assert_same(run(with_own, 40, 0, 10, 3), run(without, 40, 0, 10, 3))


def noisy() -> CompiledScenario:
    return compiled(noise=Noise(miss=0.15, false_alarm=0.05, tremble=0.05))


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 9), st.integers(0, 40))
def test_a_batch_with_outcomes_and_readings_equals_its_episodes(
    seed: int, batch: int, first: int
) -> None:
    c = noisy()
    together = run(c, batch, first, 10, seed)
    for b in range(batch):
        assert_same(together.episode(b), run(c, 1, first + b, 10, seed))


def test_outcomes_and_readings_are_deterministic_and_matter() -> None:
    c = noisy()
    a, b = run(c, 300, 0, 10, 8), run(c, 300, 0, 10, 8)
    assert_same(a, b)
    plain = compile_scenario(
        c.scenario.model_copy(
            update={
                "readings": [],
                "actions": [x.model_copy(update={"result": None}) for x in c.scenario.actions],
            }
        )
    )
    other = run(plain, 300, 0, 10, 8)
    assert np.array_equal(a.executed, other.executed), "moves and trembles do not read trust"
    assert not np.array_equal(a.trust, other.trust), "the features change what observers conclude"


def test_a_failed_act_observed_by_false_alarm_reads_as_failed() -> None:
    """Failure is judged from the round's record: an imagined summit in a round without a
    deal is read as a failed one."""
    c = compiled(noise=Noise(false_alarm=1.0), readings=[])
    state, events = one_round(c)
    assert not events.failed.any(), "nothing executed, nothing failed"
    rok, us = c.parties.index("ROK"), c.parties.index("US")
    summit_slot = c.slot_of("US", "summit")
    assert state.perceived[0, rok, summit_slot]
    # ROK imagines every act of the US: summit failed (-3), relief (+7), drills (-4)
    pos, neg = 0.7, 0.3 + 0.4
    assert state.trust[0, rok, us] == pytest.approx((pos + 1) / (pos + neg + 2))


def test_a_batch_across_tiles_with_outcomes_and_readings_equals_its_parts() -> None:
    c = noisy()
    batch = 2 * TILE + 5
    together = run(c, batch, 7, 10, 4)
    start = 0
    for size in (TILE - 1, 3, TILE + 3):
        part = run(c, size, 7 + start, 10, 4)
        for b in range(size):
            assert_same(together.episode(start + b), part.episode(b))
        start += size
    assert start == batch


def test_the_compiled_scenario_says_how_each_observer_reads_each_act(
    summit: CompiledScenario,
) -> None:
    o, k = summit.outcomes, summit.slot_of
    dprk, jpn, rok = (summit.parties.index(p) for p in ("DPRK", "JPN", "ROK"))
    assert o.read(dprk, k("US", "drills")) == -7.0
    assert o.read(dprk, k("ROK", "drills")) == -4.0
    assert o.read(jpn, k("ROK", "drills")) == 3.0
    assert o.read(rok, k("US", "summit")) == 7.0
    assert o.read(rok, k("US", "summit"), failed=True) == -3.0
    assert o.read(jpn, k("DPRK", "summit"), failed=True) == -5.0
    assert o.read(jpn, k("US", "summit"), failed=True) == -3.0
    assert o.read(jpn, k("US", "drills"), failed=True) == 3.0, "drills cannot fail"
    assert o.can_fail.tolist() == [True, True, False, False, False, False, False]
