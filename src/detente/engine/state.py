"""The engine's public surface: state, submissions, availability, ``step``.

``step(state, submissions, rng) -> (state, events)`` is pure: it never
mutates its inputs, reads no clock and does no I/O. Determinism comes from
the counter-based :class:`~detente.engine.rng.CounterRNG`.

A caller that advances a large batch round after round and keeps no old
states (the simulator) may hand ``step`` a state it is done with as
``recycle``: the new state is written into its arrays. At 100,000 episodes a
state is about 130 MB, and fresh arrays cost page faults and zeroing on
every round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.dtypes import B8, F64, I64
from detente.engine.arrays import StateArrays, empty_like, empty_outcome, initial_arrays
from detente.engine.events import StepEvents
from detente.engine.kernel import BAD_ACTION, OK
from detente.engine.launch import run_kernel
from detente.engine.rng import CounterRNG
from detente.engine.start import gather, initial_row, same_game, starting_rows
from detente.scenario.compiled import CompiledScenario


class UnavailableActionError(ValueError):
    """A submission named an action its party cannot take now."""


class ConflictingActionsError(UnavailableActionError):
    """A submission took two levels of one action, or an action and its counter-action, outright."""


class SubmissionShapeError(ValueError):
    """Submission arrays do not match the batch and the scenario."""


@dataclass(frozen=True, eq=False)
class State:
    """A batch of episodes between rounds. ``round`` counts rounds played.

    Read it through the properties below (each an array with the episode
    axis first, a view of the state: treat it as read-only); how the engine
    stores it (``arrays``) is its own business and may change.
    """

    compiled: CompiledScenario
    round: int
    episodes: NDArray[np.int64]
    arrays: StateArrays

    @property
    def batch(self) -> int:
        return int(self.episodes.shape[0])

    @property
    def stage(self) -> I64:
        """``[B]`` the index of each episode's current stage (``compiled.stages``)."""
        return self.arrays.stage

    @property
    def stalled(self) -> B8:
        """``[B]`` whether the roadmap is stalled (by its breakdown rules)."""
        return self.arrays.stalled

    @property
    def trust(self) -> F64:
        """``[B, P, P]`` trust of party i (row) in party j (column), 0..1; 1 on the diagonal."""
        return self.arrays.trust

    def trust_in(self, truster: int, trusted: int) -> F64:
        """``[B]`` trust of party ``truster`` in party ``trusted``."""
        return self.arrays.trust[:, truster, trusted]

    @property
    def perceived(self) -> B8:
        """``[B, P, K]`` what each observer perceived last round, slot by slot (private)."""
        return self.arrays.perceived

    def perceived_by(self, party: int) -> B8:
        """``[B, K]`` what ``party`` perceived last round (its own acts as they were)."""
        return self.arrays.perceived[:, party]

    @property
    def executed(self) -> B8:
        """``[B, K]`` the slots executed last round (the truth, which observers may miss)."""
        return self.arrays.executed

    @property
    def taken(self) -> B8:
        """``[B, K]`` the slots executed at least once (one-off acts cannot be taken again)."""
        return self.arrays.taken

    @property
    def in_force(self) -> B8:
        """``[B, D]`` the agreements (deals) in force."""
        return self.arrays.in_force

    @property
    def policies_in_force(self) -> B8:
        """``[B, K]`` the standing policies in force (executed every round until revoked)."""
        policy = self.arrays.policy
        if policy.shape[1] == self.compiled.n_slots:
            return policy
        return np.zeros((self.batch, self.compiled.n_slots), dtype=bool)

    def in_force_policy(self, k: int) -> B8:
        """``[B]`` whether standing policy ``k`` (a slot) is in force."""
        return self.policies_in_force[:, k]

    @property
    def institution_levels(self) -> B8:
        """``[B, L]`` the institutions' policy levels in force (``compiled.institutions.levels``:
        at most one per policy)."""
        return self.arrays.inst

    def institution_level(self, name: str) -> I64:
        """``[B]`` the level of policy ``INSTITUTION.policy`` in force (its index among the
        policy's levels, mildest 0), -1 where none is."""
        model = self.compiled.institutions
        lo, hi = model.policy_levels[model.policies.index(name)]
        levels = self.arrays.inst[:, lo:hi]
        return np.where(levels.any(axis=1), levels.argmax(axis=1), -1)

    @property
    def track_level(self) -> I64:
        """``[B, T]`` how many levels of each track have been reached."""
        return self.arrays.track_level

    @property
    def total(self) -> F64:
        """``[B, P]`` each party's payoff so far, undiscounted."""
        return self.arrays.total

    @property
    def discounted(self) -> F64:
        """``[B, P]`` each party's payoff so far, discounted per round."""
        return self.arrays.discounted

    @property
    def success_round(self) -> I64:
        """``[B]`` the round success was first reached, -1 before."""
        return self.arrays.success_round

    @property
    def success_in_force(self) -> B8:
        """``[B]`` whether success holds now: its conditions have held for the last
        ``hold_rounds`` rounds or more, so it was reached and not lost since."""
        in_force: B8 = self.arrays.held >= self.compiled.scenario.roadmap.success.hold_rounds
        return in_force

    def episode(self, b: int) -> State:
        """Episode ``b`` alone, as a batch of one."""
        sub = StateArrays._make(a[b : b + 1].copy() for a in self.arrays)
        return State(self.compiled, self.round, self.episodes[b : b + 1].copy(), sub)


@dataclass(frozen=True, eq=False)
class Submissions:
    """Moves for one round: unconditional actions per slot and offered commitments.

    ``actions[b, k]``: slot k (a party taking an action) is taken outright;
    ``offers[b, m]``: commitment m is offered by its party. The party of a
    slot or commitment is fixed by the scenario, so nobody can move for
    another.
    """

    actions: NDArray[np.bool_]
    offers: NDArray[np.bool_]

    @staticmethod
    def empty(compiled: CompiledScenario, batch: int) -> Submissions:
        return Submissions(
            np.zeros((batch, compiled.n_slots), dtype=bool),
            np.zeros((batch, len(compiled.commitments)), dtype=bool),
        )


def initial_state(
    compiled: CompiledScenario, batch: int, first_episode: int = 0, *, start: State | None = None
) -> State:
    """Episodes ``first_episode .. first_episode + batch - 1`` before round 1.

    They begin where the scenario's ``initial:`` section says (before its first
    stage without one), or, given ``start`` (a state of ``E`` episodes, such as
    a replay's last), episode ``n`` in the state of ``start``'s episode
    ``n % E``, with payoffs counted from the start and rounds from 0
    (:mod:`detente.engine.start`).
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    episodes = np.arange(first_episode, first_episode + batch, dtype=np.int64)
    if start is not None:
        wrong = same_game(start.compiled, compiled)
        if wrong is not None:
            raise ValueError(wrong)
        return State(compiled, 0, episodes, starting_rows(start.arrays, episodes))
    row = initial_row(compiled)
    if row is None:
        return State(compiled, 0, episodes, initial_arrays(compiled, batch))
    return State(compiled, 0, episodes, starting_rows(row, episodes))


def spread(state: State, compiled: CompiledScenario, episodes: NDArray[np.int64]) -> State:
    """``state`` (of ``E`` episodes) as episodes ``episodes``, each in the state of its
    episode ``id % E``, in the same round: a past state seen by a larger batch."""
    wrong = same_game(state.compiled, compiled)
    if wrong is not None:
        raise ValueError(wrong)
    return State(compiled, state.round, episodes.copy(), gather(state.arrays, episodes))


def available(state: State) -> NDArray[np.bool_]:
    """``[B, K]``: which slots may be taken this round (stage, and one-off acts not yet taken;
    a revocation while its policy is in force, a reversal once its act is taken)."""
    c = state.compiled
    by_stage = c.slot_available[state.arrays.stage]
    found: NDArray[np.bool_] = by_stage & (c.slot_repeatable | ~state.arrays.taken)
    for k, kind, targets in c.counters:
        undone = state.arrays.taken if kind == "reverses" else state.policies_in_force
        found[:, k] = undone[:, targets].any(axis=1)
    return found


def offerable(state: State) -> NDArray[np.bool_]:
    """``[B, M]``: which commitments may be offered (their action is available)."""
    return available(state)[:, state.compiled.commitment_slot]


def why_unavailable(state: State, b: int, k: int) -> str:
    """Why slot ``k`` is not available in episode ``b`` (a batch index) of ``state``."""
    c = state.compiled
    stage = c.stages[int(state.arrays.stage[b])]
    for j, kind, targets in c.counters:
        if j == k:
            what = " or ".join(c.actions[c.slots[int(t)][1]] for t in targets)
            if kind == "reverses":
                return f"it reverses {what}, which has not been taken"
            return f"it revokes {what}, which is not in force"
    if c.slot_available[state.arrays.stage[b], k]:
        return "it is a one-off act already taken"
    return f"it is not available in stage {stage}"


def _check_shapes(state: State, sub: Submissions) -> None:
    c = state.compiled
    shapes = {"actions": (state.batch, c.n_slots), "offers": (state.batch, len(c.commitments))}
    for name, shape in shapes.items():
        got = getattr(sub, name).shape
        if got != shape:
            raise SubmissionShapeError(f"submissions.{name} has shape {got}, expected {shape}")


def _unavailable(state: State, kind: int, b: int, i: int) -> UnavailableActionError:
    """The error for the first unavailable move the kernel found (an action, or an offer)."""
    c = state.compiled
    rnd = state.round + 1
    stage = c.stages[int(state.arrays.stage[b])]
    if kind == BAD_ACTION:
        party, action = c.slots[i]
        return UnavailableActionError(
            f"round {rnd}, episode {int(state.episodes[b])}: {c.parties[party]} cannot take "
            f"{c.actions[action]}: {why_unavailable(state, b, i)} (stage {stage})"
        )
    k = int(c.commitment_slot[i])
    party, action = c.slots[k]
    return UnavailableActionError(
        f"round {rnd}, episode {int(state.episodes[b])}: {c.parties[party]} cannot offer "
        f"commitment {c.commitments[i]} to take {c.actions[action]}: "
        f"{why_unavailable(state, b, k)} (stage {stage})"
    )


def _check_exclusive(state: State, sub: Submissions) -> None:
    """Refuse a move that takes two of one exclusive set outright (two levels of one action)."""
    c = state.compiled
    for group in c.exclusive:
        both = np.flatnonzero(sub.actions[:, group].sum(axis=1) > 1)
        if both.size:
            b = int(both[0])
            names = [c.actions[c.slots[int(k)][1]] for k in group if sub.actions[b, k]]
            party = c.parties[int(c.slot_party[group[0]])]
            raise ConflictingActionsError(
                f"round {state.round + 1}, episode {int(state.episodes[b])}: {party} takes "
                f"{' and '.join(names)} in one move: a party takes at most one of "
                f"{', '.join(c.actions[c.slots[int(k)][1]] for k in group)} per round"
            )


def _reusable(state: State, recycle: State) -> StateArrays:
    """``recycle``'s arrays, once checked to fit the new state and not to overlap ``state``'s."""
    if recycle.compiled is not state.compiled or recycle.batch != state.batch:
        raise ValueError("recycle must be a state of the same scenario and batch size")
    for old, new in zip(state.arrays, recycle.arrays, strict=True):
        if (
            new.shape != old.shape
            or new.dtype != old.dtype
            or not new.flags.c_contiguous
            or not new.flags.writeable
            or np.may_share_memory(old, new)
        ):
            raise ValueError(
                "recycle must own writeable arrays of the state's shapes, apart from the state's"
            )
    return recycle.arrays


def step(
    state: State, submissions: Submissions, rng: CounterRNG, *, recycle: State | None = None
) -> tuple[State, StepEvents]:
    """Play one round for every episode of the batch.

    ``recycle``: a state the caller will never read again (nor the events
    that refer to it), whose arrays receive the new state instead of fresh
    ones; typically the state before ``state``. ``state`` itself is never
    modified.
    """
    _check_shapes(state, submissions)
    _check_exclusive(state, submissions)
    new = empty_like(state.arrays) if recycle is None else _reusable(state, recycle)
    outcome = empty_outcome(state.compiled, state.batch)
    kind, b, at = run_kernel(
        state.compiled,
        rng.key,
        state.round,
        state.episodes,
        state.arrays,
        np.ascontiguousarray(submissions.actions, dtype=bool),
        np.ascontiguousarray(submissions.offers, dtype=bool),
        new,
        outcome,
    )
    if kind != OK:
        raise _unavailable(state, kind, b, at)
    after = State(state.compiled, state.round + 1, state.episodes, new)
    return after, StepEvents(state, after, submissions, outcome)
