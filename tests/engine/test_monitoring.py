"""Monitoring noise rates, trust arithmetic, and the trembling hand."""

from __future__ import annotations

import numpy as np

from detente.engine import CounterRNG, Submissions, initial_state, step
from detente.engine.tables import kernel_tables
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.schema import Noise, ObserverNoise
from tests.engine.moves import moves


def with_noise(name: str, **noise: float) -> CompiledScenario:
    s = load_scenario(name)
    return compile_scenario(s.model_copy(update={"noise": Noise(**noise)}))


def binomial_ok(hits: int, n: int, p: float) -> bool:
    """Within five standard deviations: fails by chance about once in 3.5 million runs."""
    return abs(hits - n * p) <= 5 * np.sqrt(n * p * (1 - p))


def test_miss_rate_matches_parameter() -> None:
    c = with_noise("ipd", miss=0.2)
    batch = 20_000
    state, _ = step(
        initial_state(c, batch), moves(c, actions=["A.defect"], batch=batch), CounterRNG(3)
    )
    seen_by_b = state.arrays.perceived[:, 1, c.slot_of("A", "defect")]
    assert binomial_ok(int((~seen_by_b).sum()), batch, 0.2)
    assert state.arrays.perceived[:, 0, c.slot_of("A", "defect")].all(), "own acts are known"


def test_false_alarm_rate_matches_parameter() -> None:
    c = with_noise("korea", false_alarm=0.03)
    batch = 5_000
    state, _ = step(initial_state(c, batch), moves(c, batch=batch), CounterRNG(4))
    perceived = state.arrays.perceived
    own = c.slot_party[None, :] == np.arange(len(c.parties))[:, None]
    candidates = int((~own).sum()) * batch
    assert not perceived[:, own].any(), "nobody imagines its own acts"
    assert binomial_ok(int(perceived.sum()), candidates, 0.03)
    per_slot = perceived.sum(axis=(0, 1))
    assert (per_slot > 0).all(), "alarms fall on every slot, not only the first candidates"


def test_trust_is_beta_reputation_with_forgetting(ipd: CompiledScenario) -> None:
    """Hand-computed: Beta(1,1) prior, forgetting 0.9, restraint evidence 1, defect weight 1."""
    rng = CounterRNG(0)
    state = initial_state(ipd, 1)
    state, _ = step(state, moves(ipd, actions=["B.defect"]), rng)
    state, _ = step(state, moves(ipd), rng)
    pos, neg = 0.9 * 0 + 1.0, 0.9 * 1.0 + 0.0
    expected = (pos + 1.0) / (pos + neg + 2.0)
    assert np.isclose(state.arrays.trust[0, 0, 1], expected)
    assert np.isclose(state.arrays.trust[0, 1, 0], (0.9 + 1.0 + 1.0) / (1.9 + 2.0))


def test_tremble_flips_outright_choices_at_its_rate() -> None:
    c = with_noise("ipd", tremble=0.05)
    batch = 20_000
    state, events = step(initial_state(c, batch), moves(c, batch=batch), CounterRNG(9))
    defected = state.arrays.executed[:, c.slot_of("A", "defect")]
    assert binomial_ok(int(defected.sum()), batch, 0.05)
    assert (events.outcome.trembled[:, c.slot_of("A", "defect")] == defected).all()
    kinds = {e.payload.get("via") for e in events.records(int(np.argmax(defected)))}
    assert "tremble" in kinds


def test_wide_scenarios_span_several_words() -> None:
    """72 slots (two words): every executed act is perceived by all, and misses stay private."""
    from tests.engine.test_clearing import build

    c = build(36, [(0, 0, [2])], [-1])
    assert kernel_tables(c).party_slot_bits.shape[1] == 2
    batch = 50
    actions = np.random.default_rng(0).random((batch, c.n_slots)) < 0.5
    quiet, _ = step(
        initial_state(c, batch), Submissions(actions, np.zeros((batch, 1), bool)), CounterRNG(1)
    )
    assert (quiet.arrays.executed == actions).all()
    assert (quiet.arrays.taken == actions).all()
    assert (quiet.arrays.perceived == actions[:, None, :]).all()
    noisy_c = compile_scenario(c.scenario.model_copy(update={"noise": Noise(miss=0.5)}))
    noisy, _ = step(
        initial_state(noisy_c, batch),
        Submissions(actions, np.zeros((batch, 1), bool)),
        CounterRNG(1),
    )
    own = noisy_c.slot_party[None, :] == np.arange(36)[:, None]  # [observer, slot]
    seen = noisy.arrays.perceived
    done = np.broadcast_to(actions[:, None, :], seen.shape)
    assert (seen <= done).all(), "no false alarms configured"
    assert (seen[:, own] == done[:, own]).all(), "own acts are known"
    others = done[:, ~own]
    assert binomial_ok(int((others & ~seen[:, ~own]).sum()), int(others.sum()), 0.5)
    assert seen[:, :, 64:].any(), "slots of the second word are perceived too"


def sightings_and_misses(noise: Noise, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``[episode, observer, slot]`` sightings of others' executed slots, and which were missed.

    36 parties, 72 slots over two words, half of them executed at random.
    """
    from tests.engine.test_clearing import build

    base = build(36, [(0, 0, [2])], [-1])
    c = compile_scenario(base.scenario.model_copy(update={"noise": noise}))
    batch = 400
    actions = np.random.default_rng(seed).random((batch, c.n_slots)) < 0.5
    state, _ = step(
        initial_state(c, batch),
        Submissions(actions, np.zeros((batch, 1), bool)),
        CounterRNG(seed),
    )
    own = c.slot_party[None, :] == np.arange(36)[:, None]  # [observer, slot]
    sighted = actions[:, None, :] & ~own[None, :, :]
    return sighted, sighted & ~state.arrays.perceived


def test_misses_are_independent_and_fall_on_every_executed_slot_alike() -> None:
    """Misses are drawn by their count, then which ones: each slot is still missed at the rate.

    Per slot, the share of (observer, episode) sightings missed is the
    rate, and two slots are missed together at its square (the picks are
    distinct and uniform).
    """
    sighted, missed = sightings_and_misses(Noise(miss=0.3), 5)
    for k in range(sighted.shape[2]):
        assert binomial_ok(int(missed[:, :, k].sum()), int(sighted[:, :, k].sum()), 0.3), k
    both = sighted[:, :, 0::2] & sighted[:, :, 1::2]
    together = missed[:, :, 0::2] & missed[:, :, 1::2]
    assert binomial_ok(int(together.sum()), int(both.sum()), 0.09)


def test_each_observer_misses_at_its_own_rate() -> None:
    """Observers with their own miss rates (none, 0.6) among others at the default 0.3."""
    rates = {"P0": ObserverNoise(miss=0.0), "P1": ObserverNoise(miss=0.6)}
    sighted, missed = sightings_and_misses(Noise(miss=0.3, observers=rates), 6)
    assert not missed[:, 0].any(), "P0 never misses"
    assert binomial_ok(int(missed[:, 1].sum()), int(sighted[:, 1].sum()), 0.6)
    assert binomial_ok(int(missed[:, 2:].sum()), int(sighted[:, 2:].sum()), 0.3)
