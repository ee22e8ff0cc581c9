"""The numeric vectors a learner sees: per-party observations and the global state.

Both are fixed-size ``float32`` vectors whose entries are named (``names``)
and bounded (``low``/``high``), so that a tabular or linear learner can pick
features by name and a neural one gets a ``Box`` with finite bounds. Every
entry lies in [0, 1] except payoffs, bounded by the range of one round's
utility (base plus every negative, or every positive, term).

Observation of party ``p`` (what ``p`` may know, as in a strategy's
:class:`~detente.strategies.View`), in this order:

=====================  ====  =====================================================
``trust.<j>``          P     p's trust in each party j (its own entry is 1)
``stage.<s>``          S     the roadmap stage, one-hot
``stalled``            1     1 while the process is stalled
``round``              1     rounds played / the scenario's rounds
``perceived.<slot>``   K     what p perceived last round (own slots exact)
``in_force.<deal>``    D     agreements in force
``track.<t>``          T     level reached on each track / its number of levels
``policy.<level>``     L     institutions' policy levels in force (``UNSC.sanctions.oil_cap``)
``payoff``             1     p's payoff last round (0 before the first)
=====================  ====  =====================================================

The state (for centralised critics) holds every party's private view as well
as the truth: ``trust.<i>.<j>``, the stage, ``stalled``, ``round``,
``executed.<slot>`` (what really happened last round), ``perceived.<i>.<slot>``,
``in_force``, ``track``, ``policy`` and ``payoff.<i>``; every observation is a function of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.engine import State
from detente.scenario.compiled import CompiledScenario

F32 = NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Layout:
    """Names and bounds of a feature vector's entries."""

    names: tuple[str, ...]
    low: F32
    high: F32

    @property
    def size(self) -> int:
        return len(self.names)

    def index(self, prefix: str) -> list[int]:
        """Positions of the entries named ``prefix`` or ``prefix.<anything>``."""
        return [i for i, n in enumerate(self.names) if n == prefix or n.startswith(prefix + ".")]


def payoff_bounds(compiled: CompiledScenario) -> tuple[F32, F32]:
    """``[P]`` lowest and highest payoff any round can give each party.

    Widened by one float32 step each way, so that the engine's float64 sums
    (added in another order) never fall outside after rounding.
    """
    u = compiled.utilities
    neg = np.minimum(u.linear, 0).sum(0) + np.minimum(u.pair_value, 0).sum(0)
    pos = np.maximum(u.linear, 0).sum(0) + np.maximum(u.pair_value, 0).sum(0)
    inst = compiled.institutions
    for lo, hi in inst.policy_levels:  # one level of each policy at a time, or none
        neg = neg + np.minimum(inst.value[lo:hi].min(0), 0)
        pos = pos + np.maximum(inst.value[lo:hi].max(0), 0)
    low = (u.base + neg).astype(np.float32)
    high = (u.base + pos).astype(np.float32)
    return np.nextafter(low, np.float32(-np.inf)), np.nextafter(high, np.float32(np.inf))


def _public_names(c: CompiledScenario) -> tuple[list[str], list[str]]:
    """Names of the public entries: those before and those after the perceived block."""
    before = [f"stage.{s}" for s in c.stages] + ["stalled", "round"]
    after = [f"in_force.{d}" for d in c.deals] + [f"track.{t}" for t in c.tracks]
    return before, after + [f"policy.{level}" for level in c.institutions.levels]


def observation_layout(c: CompiledScenario, party: int) -> Layout:
    before, after = _public_names(c)
    slots = [c.slot_label(k) for k in range(c.n_slots)]
    names = (
        [f"trust.{j}" for j in c.parties]
        + before
        + [f"perceived.{s}" for s in slots]
        + after
        + ["payoff"]
    )
    lo, hi = payoff_bounds(c)
    low = np.zeros(len(names), dtype=np.float32)
    high = np.ones(len(names), dtype=np.float32)
    low[-1], high[-1] = lo[party], hi[party]
    return Layout(tuple(names), low, high)


def state_layout(c: CompiledScenario) -> Layout:
    before, after = _public_names(c)
    slots = [c.slot_label(k) for k in range(c.n_slots)]
    names = (
        [f"trust.{i}.{j}" for i in c.parties for j in c.parties]
        + before
        + [f"executed.{s}" for s in slots]
        + [f"perceived.{i}.{s}" for i in c.parties for s in slots]
        + after
        + [f"payoff.{i}" for i in c.parties]
    )
    lo, hi = payoff_bounds(c)
    P = len(c.parties)
    low = np.zeros(len(names), dtype=np.float32)
    high = np.ones(len(names), dtype=np.float32)
    low[-P:], high[-P:] = lo, hi
    return Layout(tuple(names), low, high)


def public(state: State) -> tuple[F32, F32]:
    """The public entries of episode 0 (stage one-hot, stalled, round; agreements, tracks),
    computed once a round and shared by every party's observation."""
    c = state.compiled
    stage = np.zeros(len(c.stages), dtype=np.float32)
    stage[state.stage[0]] = 1.0
    fraction = min(state.round / c.scenario.rounds, 1.0)
    levels = np.array([max(len(levels), 1) for levels in c.track_levels], dtype=np.float32)
    before = np.concatenate([stage, [float(state.stalled[0]), fraction]])
    after = np.concatenate(
        [state.in_force[0], state.track_level[0] / levels, state.institution_levels[0]]
    )
    return before.astype(np.float32), after.astype(np.float32)


def observe(state: State, party: int, payoff: float, shared: tuple[F32, F32]) -> F32:
    """Party's observation vector (``observation_layout``) in episode 0 of ``state``;
    ``shared`` is ``public(state)``."""
    before, after = shared
    return np.concatenate(
        [state.trust[0, party], before, state.perceived[0, party], after, [payoff]],
        dtype=np.float32,
    )


def global_state(state: State, payoffs: NDArray[np.float64]) -> F32:
    """The state vector (``state_layout``) of episode 0; ``payoffs`` ``[P]`` of last round."""
    before, after = public(state)
    return np.concatenate(
        [
            state.trust[0].ravel(),
            before,
            state.executed[0],
            state.perceived[0].ravel(),
            after,
            payoffs,
        ],
        dtype=np.float32,
    )
