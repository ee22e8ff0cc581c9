"""The environment's own promises: masks, determinism, equality with engine and simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pettingzoo")

from detente.engine import (
    CounterRNG,
    Submissions,
    UnavailableActionError,
    available,
    initial_state,
    offerable,
    step,
)
from detente.envs import parallel_env
from detente.envs.parallel import DetenteParallelEnv
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove
from detente.simulate import simulate
from detente.simulate.replay import replay
from tests.engine.moves import one_of_each_set


def random_episode(env: DetenteParallelEnv, seed: int) -> list[Any]:
    """Every observation, reward, flag, info and state of an episode under seeded random moves."""
    gen = np.random.default_rng(seed)
    obs, infos = env.reset(seed=seed)
    trace: list[Any] = [obs, infos, env.state()]
    while env.agents:
        actions = {a: gen.integers(0, 2, env.action_space(a).n) for a in env.agents}
        out = env.step(actions)
        trace += [*out, env.state()]
    return trace


def same(x: Any, y: Any) -> bool:
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    if isinstance(x, np.ndarray):
        return x.dtype == y.dtype and np.array_equal(x, y)
    return bool(x == y)


def test_same_seed_same_trajectory_and_another_seed_another() -> None:
    first = random_episode(parallel_env(scenario="korea"), 7)
    again = random_episode(parallel_env(scenario="korea"), 7)
    other = random_episode(parallel_env(scenario="korea"), 8)
    assert len(first) == len(again)
    assert all(same(x, y) for x, y in zip(first, again, strict=True))
    assert not all(same(x, y) for x, y in zip(first, other, strict=False))


def test_unseeded_resets_continue_the_seeded_sequence_of_episodes() -> None:
    env = parallel_env(scenario="korea")
    env.reset(seed=3)
    env.reset()
    second = env.engine_state.episodes.tolist()
    env.reset(seed=3)
    assert env.engine_state.episodes.tolist() == [0]
    env.reset()
    assert env.engine_state.episodes.tolist() == second == [1]


def test_trajectory_under_fixed_actions_equals_the_engine_run(korea: CompiledScenario) -> None:
    """Every party an agent, taking a fixed pattern of its bits: the engine's states exactly."""
    env = parallel_env(scenario=korea)
    gen = np.random.default_rng(0)
    patterns = [
        {a: gen.random(env.action_space(a).n) < 0.5 for a in env.possible_agents} for _ in range(3)
    ]
    for pattern in patterns:  # at most one level of an action (or it or its counter-action)
        slots = [korea.party_slots(p) for p in range(len(korea.parties))]
        flat = np.zeros((1, korea.n_slots), dtype=bool)
        for party, own in zip(korea.parties, slots, strict=True):
            flat[0, own] = pattern[party][: len(own)]
        one_of_each_set(korea, flat, gen)
        for party, own in zip(korea.parties, slots, strict=True):
            pattern[party][: len(own)] = flat[0, own]
    env.reset(seed=11)
    state, rng = initial_state(korea, 1), CounterRNG(11)
    rounds = 0
    while env.agents:
        pattern = patterns[rounds % 3]
        _, rewards, *_ = env.step(pattern)
        wanted = Submissions.empty(korea, 1)
        for p, party in enumerate(korea.parties):
            slots, coms = korea.party_slots(p), korea.party_commitments(p)
            wanted.actions[0, slots] = pattern[party][: len(slots)]
            wanted.offers[0, coms] = pattern[party][len(slots) :]
        moves = Submissions(wanted.actions & available(state), wanted.offers & offerable(state))
        state, events = step(state, moves, rng)
        rounds += 1
        for ours, theirs in zip(env.engine_state.arrays, state.arrays, strict=True):
            np.testing.assert_array_equal(ours, theirs)
        assert list(rewards.values()) == events.outcome.payoff[0].tolist()
    assert rounds == korea.scenario.rounds or state.success_round[0] == rounds


def test_one_learner_among_strategies_equals_the_simulator(korea: CompiledScenario) -> None:
    """DPRK taking its provocations each round is the library's ``defect``; the other parties
    play the korea defaults: the k-th episode after ``reset(seed)`` is the simulator's k-th."""
    env = parallel_env(scenario=korea, agents=["DPRK"])
    action = np.array(
        [
            name.startswith("slot:DPRK.") and "test" in name and "freeze" not in name
            for name in env.action_names("DPRK")
        ]
    )
    results = simulate(korea, {"DPRK": "defect"}, episodes=3, seed=5)
    for k in range(3):
        env.reset(seed=5 if k == 0 else None)
        total = 0.0
        while env.agents:
            total += env.step({"DPRK": action})[1]["DPRK"]
        assert env.engine_state.round == korea.scenario.rounds
        assert total == pytest.approx(results.total[k, korea.parties.index("DPRK")], abs=1e-9)


def test_an_environment_from_a_replayed_state_equals_the_simulator_from_it(
    korea: CompiledScenario,
) -> None:
    """Every episode begins at the replay's final state, the opponents warmed with its rounds,
    exactly as ``simulate(..., start=replay)``: an opponent with memory (grim trigger) and
    one reading payoffs (win-stay lose-shift) both carry what they lived."""
    played = replay(korea, [{"DPRK": NamedMove(["nuclear_test"])}, {}, {}], seed=1, episodes=2)
    opponents = {"US": "grim_trigger", "ROK": "win_stay_lose_shift"}
    env = parallel_env(scenario=korea, agents=["DPRK"], opponents=opponents, start=played)
    defect = np.array(
        [
            name.startswith("slot:DPRK.") and "test" in name and "freeze" not in name
            for name in env.action_names("DPRK")
        ]
    )
    results = simulate(korea, {**opponents, "DPRK": "defect"}, episodes=3, seed=7, start=played)
    for k in range(3):
        env.reset(seed=7 if k == 0 else None)
        np.testing.assert_array_equal(env.engine_state.trust[0], played.final.trust[k % 2])
        total = 0.0
        while env.agents:
            total += env.step({"DPRK": defect})[1]["DPRK"]
        assert total == pytest.approx(results.total[k, korea.parties.index("DPRK")], abs=1e-9)


POLICIES = str(Path(__file__).parents[1] / "engine" / "policies.yaml")
COUNCIL = str(Path(__file__).parents[1] / "engine" / "council.yaml")


@pytest.mark.parametrize("scenario", ["korea", "ipd", POLICIES, COUNCIL])
def test_the_mask_marks_exactly_the_bits_the_engine_accepts(scenario: str) -> None:
    """Bit i is 1 in the mask iff submitting that move alone does not raise (one-offs included)."""
    env = parallel_env(scenario=scenario)
    c = env.compiled
    gen = np.random.default_rng(1)
    obs, _ = env.reset(seed=2)
    for _ in range(12):
        for agent in env.agents:
            p = c.parties.index(agent)
            slots, coms = c.party_slots(p), c.party_commitments(p)
            for i, ok in enumerate(obs[agent]["action_mask"]):
                alone = Submissions.empty(c, 1)
                if i < len(slots):
                    alone.actions[0, slots[i]] = True
                else:
                    alone.offers[0, coms[i - len(slots)]] = True
                try:
                    step(env.engine_state, alone, CounterRNG(0))
                    accepted = True
                except UnavailableActionError:
                    accepted = False
                assert bool(ok) == accepted, (agent, env.action_names(agent)[i])
        actions = {a: gen.integers(0, 2, env.action_space(a).n) for a in env.agents}
        obs, *_ = env.step(actions)
        if not env.agents:
            break  # a scenario shorter than 12 rounds (the council's 10)


def test_unavailable_bits_are_dropped_and_counted_not_refused() -> None:
    """All bits set: those the mask closes are dropped, and of each set of which a move takes
    one (the levels of an action, an action and its counter-action) all but one open bit."""
    env = parallel_env(scenario="korea", agents=["DPRK"])
    obs, _ = env.reset(seed=0)
    mask = obs["DPRK"]["action_mask"]
    assert not mask.all()  # later-stage acts (a peace treaty) are closed in the first stage
    c = env.compiled
    seat = c.seat(c.parties.index("DPRK"))
    column = {name: i for i, name in enumerate(seat.actions)}
    open_in_set = [sum(int(mask[column[a]]) for a in group) for group in seat.exclusive]
    assert max(open_in_set) > 1  # the missile test's levels are all open in the first stage
    surplus = sum(n - 1 for n in open_in_set if n > 1)
    _, _, _, _, infos = env.step({"DPRK": np.ones_like(mask)})
    assert infos["DPRK"]["masked"] == int((mask == 0).sum()) + surplus
    assert env.events is not None
    executed = env.events.submissions.actions[0, c.party_slots(c.parties.index("DPRK"))]
    assert not executed[mask[: len(executed)] == 0].any()
    for group in seat.exclusive:
        assert sum(int(executed[column[a]]) for a in group) <= 1


def test_two_levels_of_one_action_keep_the_first_and_count_the_other() -> None:
    """A learner asking for every bit of a scenario with levels and revocations gets a legal
    move: the mildest level of each graded action, the policy rather than its revocation."""
    env = parallel_env(scenario=POLICIES, agents=["A", "B"])
    obs, _ = env.reset(seed=0)
    masks = {a: obs[a]["action_mask"] for a in env.agents}
    _, _, _, _, infos = env.step({a: np.ones_like(m) for a, m in masks.items()})
    # A: missile_test.icbm dropped (short_range kept); B: relief.full dropped (partial kept)
    assert infos["A"]["masked"] == int((masks["A"] == 0).sum()) + 1
    assert infos["B"]["masked"] == int((masks["B"] == 0).sum()) + 1
    assert env.events is not None
    c = env.compiled
    executed = env.events.submissions.actions[0]
    assert executed[c.slot_of("A", "missile_test.short_range")]
    assert not executed[c.slot_of("A", "missile_test.icbm")]
    assert executed[c.slot_of("B", "relief.partial")]
    assert not executed[c.slot_of("B", "relief.full")]


def test_truncation_at_max_cycles_and_termination_at_the_scenario_end() -> None:
    env = parallel_env(scenario="ipd", agents=["A"], opponents={"B": "defect"}, max_cycles=5)
    env.reset(seed=0)
    flags = [env.step({"A": [1]})[2:4] for _ in range(5)]
    assert [f[0]["A"] for f in flags] == [False] * 5
    assert [f[1]["A"] for f in flags] == [False] * 4 + [True]
    assert env.agents == []
    env = parallel_env(scenario="ipd", agents=["A"], opponents={"B": "defect"})
    env.reset(seed=0)
    rounds = 0
    while env.agents:
        _, _, terms, truncs, _ = env.step({"A": [1]})
        rounds += 1
    assert rounds == 200
    assert terms == {"A": True}
    assert truncs == {"A": False}


def test_success_terminates_the_episode() -> None:
    env = parallel_env(scenario="ipd", agents=["A"], opponents={"B": "cooperate"})
    env.reset(seed=0)
    terms: dict[str, bool] = {}
    while env.agents:
        _, _, terms, _, _ = env.step({"A": [0]})
    assert terms == {"A": True}
    assert env.engine_state.success_round[0] == env.engine_state.round < 200


def test_observation_names_match_the_vector_and_the_documented_layout() -> None:
    env = parallel_env(scenario="ipd")
    obs, _ = env.reset(seed=0)
    names = env.observation_names("A")
    assert len(names) == obs["A"]["observation"].shape[0]
    assert names[:2] == ("trust.A", "trust.B")
    assert names[-1] == "payoff"
    assert "perceived.B.defect" in names
    assert "stage.cooperation" in names
    assert env.action_names("A") == ("slot:A.defect",)
    assert env.state().shape == env.state_space.shape


def test_renders() -> None:
    env = parallel_env(scenario="ipd", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str)
    assert "stage mistrust" in text
    assert "round 0/200" in text
    image = parallel_env(scenario="korea", render_mode="rgb_array")
    image.reset(seed=0)
    frame = image.render()
    assert isinstance(frame, np.ndarray)
    assert frame.dtype == np.uint8
    assert frame.shape[2] == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agents": ["NOBODY"]}, "no party NOBODY"),
        ({"agents": ["US"], "opponents": {"US": "grit"}}, "both a learning agent"),
        ({"render_mode": "video"}, "render_mode"),
    ],
)
def test_bad_arguments_are_refused_clearly(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parallel_env(scenario="korea", **kwargs)


def test_a_wrong_sized_or_missing_action_is_an_error() -> None:
    env = parallel_env(scenario="ipd")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="missing"):
        env.step({"A": [0]})
    with pytest.raises(ValueError, match="must have 1 entries"):
        env.step({"A": [0, 1], "B": [0]})


def test_import_detente_does_not_load_the_rl_libraries() -> None:
    code = (
        "import sys, detente, detente.engine, detente.scenario; "
        "print(','.join(m for m in ('pettingzoo', 'gymnasium') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
