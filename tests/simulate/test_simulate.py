"""Batched simulation: invariance to batching and chunking, determinism, recorded facts."""

import functools

import numpy as np
import pytest

from detente.engine import (
    CompiledScenario,
    CounterRNG,
    State,
    StepEvents,
    available,
    compile_scenario,
    initial_state,
    offerable,
)
from detente.scenario.overrides import load_with_overrides
from detente.simulate import Results, compare, simulate
from detente.simulate.record import Recorder
from detente.simulate.runner import submissions_for
from detente.strategies import Classifier, Move, Strategy, StrategyError, View

FIELDS = (
    "episodes",
    "success_round",
    "max_stage",
    "first_reached",
    "final_stage",
    "final_stalled",
    "stalls",
    "breakdowns",
    "total",
    "discounted",
)
NOISY = {"US": "generous_tit_for_tat", "DPRK": "random:p=0.8", "ROK": "win_stay_lose_shift"}


def assert_same(a: Results, b: Results) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_a_batch_equals_its_episodes_one_by_one(korea: CompiledScenario) -> None:
    batch = simulate(korea, NOISY, episodes=12, rounds=30, seed=11, trajectories=True)
    for e in range(12):
        alone = simulate(korea, NOISY, 1, 30, 11, first_episode=e, trajectories=True)
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(batch, name)[e], getattr(alone, name)[0])
        assert batch.trajectories is not None
        assert alone.trajectories is not None
        np.testing.assert_array_equal(batch.trajectories.trust[e], alone.trajectories.trust[0])


def test_chunking_changes_nothing(korea: CompiledScenario) -> None:
    whole = simulate(korea, NOISY, episodes=50, rounds=25, seed=3)
    assert_same(whole, simulate(korea, NOISY, episodes=50, rounds=25, seed=3, chunk=7))


def test_same_seed_same_results_other_seed_other_results(korea: CompiledScenario) -> None:
    a = simulate(korea, None, episodes=200, rounds=40, seed=1)
    assert_same(a, simulate(korea, None, episodes=200, rounds=40, seed=1))
    assert not np.array_equal(a.total, simulate(korea, None, episodes=200, rounds=40, seed=2).total)


def test_recorded_facts_agree_with_trajectories(korea: CompiledScenario) -> None:
    r = simulate(korea, NOISY, episodes=300, rounds=40, seed=9, trajectories=True)
    t = r.trajectories
    assert t is not None
    np.testing.assert_array_equal(r.max_stage, t.stage.max(axis=1))
    np.testing.assert_array_equal(r.final_stage, t.stage[:, -1])
    for s in range(1, len(korea.stages)):
        hit = (t.stage == s).any(axis=1)
        first = np.where(hit, (t.stage == s).argmax(axis=1) + 1, -1)
        np.testing.assert_array_equal(r.first_reached[:, s], first)
    # a stall is a round that ends stalled after one that did not (korea starts stalled)
    before = np.concatenate([initial_state(korea, r.n).stalled[:, None], t.stalled[:, :-1]], 1)
    became_stalled = (t.stalled & ~before).sum(axis=1)
    np.testing.assert_array_equal(r.stalls, became_stalled)
    assert r.stalls.sum() > 0  # the profile does stall sometimes
    assert ((r.success_round >= 0) <= (r.max_stage == len(korea.stages) - 1)).all()
    stall_rules = [
        rule.then == "stall" for stage in korea.scenario.roadmap.stages for rule in stage.breakdown
    ]
    assert (r.breakdowns[:, stall_rules].sum(axis=1) == r.stalls).all()


def test_payoffs_add_up_on_ipd(ipd: CompiledScenario) -> None:
    r = simulate(ipd, {"A": "cooperate", "B": "defect"}, episodes=2, rounds=10)
    np.testing.assert_array_equal(r.total, [[0, 50], [0, 50]])
    np.testing.assert_array_equal(r.discounted, r.total)  # ipd does not discount


def test_identical_profiles_compare_to_exactly_zero(korea: CompiledScenario) -> None:
    same = compare(korea, {"a": NOISY, "b": NOISY}, episodes=100, rounds=20, seed=4)
    (diff,) = same.differences
    assert diff.success.mean == 0
    assert diff.success.low == 0
    assert diff.success.high == 0
    assert all(e.mean == 0 and e.low == e.high == 0 for e in diff.discounted.values())


def test_unknown_party_or_strategy_is_refused(korea: CompiledScenario) -> None:
    with pytest.raises(StrategyError, match=r"no party NK in scenario korea \(parties: RUS, CHN"):
        simulate(korea, {"NK": "defect"}, episodes=1)
    with pytest.raises(StrategyError, match="unknown strategy 'nice'"):
        simulate(korea, {"US": "nice"}, episodes=1)
    with pytest.raises(ValueError, match="episodes and chunk must be at least 1"):
        simulate(korea, None, episodes=0)
    with pytest.raises(ValueError, match="first_episode at least 0"):
        simulate(korea, None, episodes=1, first_episode=-1)


def test_korea_defaults_play_every_party(korea: CompiledScenario) -> None:
    r = simulate(korea, None, episodes=10, rounds=5)
    assert set(r.profile) == set(korea.parties)
    assert r.profile["US"] == "tit_for_tat"


def reference_observe(self: Recorder, rows: slice, state: State, events: StepEvents) -> None:
    """Recorder.observe as first written, with 2-D fancy indexing and ``np.add.at``."""
    idx = np.arange(state.batch)
    first = self.first_reached[rows]
    arrived = first[idx, state.stage] < 0
    first[idx[arrived], state.stage[arrived]] = state.round
    np.maximum(self.max_stage[rows], state.stage, out=self.max_stage[rows])
    self.stalls[rows] += events.stalled
    fired = events.breakdown >= 0
    np.add.at(self.breakdowns[rows], (idx[fired], events.breakdown[fired]), 1)


def test_recorder_equals_its_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    shaky = compile_scenario(load_with_overrides("korea", ["noise.tremble=0.2"]))
    run = functools.partial(simulate, shaky, NOISY, 60, 40, 4, chunk=25, first_episode=7)
    ours = run()
    monkeypatch.setattr(Recorder, "observe", reference_observe)
    theirs = run()
    assert ours.breakdowns.sum() > 0  # the test covers firing rules and reached stages
    assert (ours.first_reached > 0).any()
    assert_same(ours, theirs)


class Inspector(Strategy):
    """Fails unless every array of the state it is shown is read-only; never moves."""

    name = "inspector"
    classifier = Classifier(memory_depth=0)

    def move(self, view: View) -> Move:
        shared = ("episodes", "stage", "stalled", "perceived", "trust", "payoff", "in_force")
        for name in shared:
            assert not getattr(view, name).flags.writeable, name
        return Move(np.zeros_like(view.available), np.zeros_like(view.offerable))

    @classmethod
    def build(cls, compiled: CompiledScenario, party: int) -> Strategy:
        return cls(compiled, party)


def test_views_are_read_only(korea: CompiledScenario) -> None:
    simulate(korea, {"US": Inspector, "DPRK": Inspector}, episodes=5, rounds=3)


class Echo(Strategy):
    """Takes every available slot and offers every offerable commitment, keeping its views."""

    name = "echo"
    classifier = Classifier(memory_depth=0)

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        super().__init__(compiled, party)
        self.views: list[View] = []

    def move(self, view: View) -> Move:
        self.views.append(view)
        return Move(view.available.copy(), view.offerable.copy())


def test_views_and_submissions_equal_the_engines_availability(korea: CompiledScenario) -> None:
    """The simulator's memory layouts change nothing: each party sees its own columns of the
    engine's ``available`` and ``offerable``, and submissions are what the parties chose."""
    rng = np.random.default_rng(5)
    state = initial_state(korea, 40)
    stages = len(korea.stages)
    state.stage[:] = rng.integers(0, stages, state.batch)
    state.taken[:] = rng.random(state.taken.shape) < 0.5
    echoes = [Echo(korea, p) for p in range(korea.n_parties)]
    payoff = np.zeros((state.batch, korea.n_parties))
    moves = submissions_for(state, list(echoes), payoff, CounterRNG(0))
    avail, offer = available(state), offerable(state)
    for p, echo in enumerate(echoes):
        (view,) = echo.views
        np.testing.assert_array_equal(view.available, avail[:, korea.party_slots(p)])
        np.testing.assert_array_equal(view.offerable, offer[:, korea.party_commitments(p)])
    assert moves.actions.flags.c_contiguous
    assert moves.offers.flags.c_contiguous
    np.testing.assert_array_equal(moves.actions, avail)
    np.testing.assert_array_equal(moves.offers, offer)
