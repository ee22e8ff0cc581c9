"""A record of moves played through the engine, round by round: the history a forecast starts from.

``replay(compiled, moves)`` steps the scenario with each round's recorded
moves (party id -> :class:`~detente.scenario.moves.NamedMove`) and keeps, per
round, the state after it and the engine's events. Choices (docs/simulate.md):

- **No trembling hand.** The record says what each party did; a tremble
  would change it. The scenario's ``noise.tremble`` is ignored in a replay.
- **Perception noise is the model's** (``noise=True``, the default): misses
  and false alarms are drawn from ``seed`` for each of ``episodes`` episodes,
  so the replay gives a spread of perceptions and trust around the record;
  ``noise=False`` replays perfect perception. Either way it is deterministic.
- **A move the model refuses is dropped and reported.** A recorded action the
  scenario makes unavailable in that episode's state (stage-gated, a one-off
  act already taken, a revocation of a policy not in force) or an offer of a
  commitment whose action is unavailable, is left out of that episode's
  submission and listed in the round's ``refused``: the record says it
  happened, the model says it could not. Forcing it would mean stepping the
  engine outside its own rules. Two of one exclusive set (two levels of one
  action, an act and its counter-action) keep the last in scenario order (the
  strongest level; the counter-action) and refuse the others.

A name that is not the party's own action or commitment, or an unknown
party, is an error of the caller (of the mapping), not of the model: it
raises :class:`ReplayError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from detente.engine import (
    CounterRNG,
    State,
    StepEvents,
    Submissions,
    available,
    initial_state,
    step,
    why_unavailable,
)
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.moves import NamedMove


class ReplayError(ValueError):
    """Recorded moves that name a party, action or commitment the scenario does not have."""


@dataclass(frozen=True)
class Refusal:
    """A recorded action or offer the model refused in some episodes of a round, and why."""

    party: str
    kind: str  # "action" or "offer"
    name: str
    reason: str
    episodes: int  # in how many episodes of the replay it was refused

    def as_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "kind": self.kind,
            "name": self.name,
            "reason": self.reason,
            "episodes": self.episodes,
        }


@dataclass(frozen=True, eq=False)
class ReplayRound:
    """One recorded round as played: the moves given, those refused, and the engine's step."""

    index: int  # 0-based
    moves: Mapping[str, NamedMove]
    refused: tuple[Refusal, ...]
    events: StepEvents  # ``before`` and ``after`` hold every episode of the replay

    @property
    def after(self) -> State:
        """The state after the round, every episode of the replay."""
        return self.events.after

    def record(self, b: int = 0) -> dict[str, Any]:
        """Episode ``b``'s state after the round and its events, as JSON-ready data."""
        s, c = self.after, self.after.compiled
        levels = s.track_level[b]
        trust = s.trust[b]
        return {
            "round": self.index + 1,
            "moves": {party: move.payload() for party, move in self.moves.items()},
            "refused": [r.as_dict() for r in self.refused],
            "stage": c.stages[int(s.stage[b])],
            "stalled": bool(s.stalled[b]),
            "tracks": {
                track: (c.track_levels[t][int(levels[t]) - 1] if levels[t] > 0 else None)
                for t, track in enumerate(c.tracks)
            },
            "agreements_in_force": _names(c.deals, s.in_force[b]),
            "agreements_violated": _names(c.deals, self.events.violated[b]),
            "policies_in_force": _labels(c, s.policies_in_force[b]),
            "institutions_in_force": [
                c.institutions.levels[int(x)] for x in np.flatnonzero(s.institution_levels[b])
            ],
            "perceived": {
                party: _labels(c, s.perceived_by(p)[b]) for p, party in enumerate(c.parties)
            },
            "trust": {
                i: {j: float(trust[x, y]) for y, j in enumerate(c.parties) if x != y}
                for x, i in enumerate(c.parties)
            },
            "events": [e.as_dict() for e in self.events.records(b)],
        }


@dataclass(frozen=True, eq=False)
class Replay:
    """Recorded moves played through a scenario: every round's state and events.

    ``final`` is the state after the last round, to start forecasts from
    (``simulate(..., start=replay)``); ``history`` the steps that led there,
    to warm strategies' memories with.
    """

    compiled: CompiledScenario
    seed: int
    noise: bool
    initial: State  # the state before the first recorded round
    rounds: tuple[ReplayRound, ...]

    @property
    def episodes(self) -> int:
        return self.initial.batch

    @property
    def final(self) -> State:
        """The state after the last recorded round (the initial state if there is none)."""
        return self.rounds[-1].after if self.rounds else self.initial

    @property
    def history(self) -> tuple[StepEvents, ...]:
        return tuple(r.events for r in self.rounds)

    def records(self, b: int = 0) -> list[dict[str, Any]]:
        """Episode ``b``'s record of every round (``ReplayRound.record``)."""
        return [r.record(b) for r in self.rounds]


@dataclass(frozen=True)
class ReplayPlan:
    """Recorded moves and how to replay them, without a scenario: what a sweep's tasks carry
    so that each grid point replays the record on its own numbers (its priors, its readings)."""

    moves: tuple[Mapping[str, NamedMove], ...]
    seed: int = 0
    episodes: int = 1
    noise: bool = True

    def replay(self, compiled: CompiledScenario) -> Replay:
        return replay(
            compiled, self.moves, seed=self.seed, episodes=self.episodes, noise=self.noise
        )


def replay(
    compiled: CompiledScenario,
    moves: Sequence[Mapping[str, NamedMove]],
    *,
    seed: int = 0,
    episodes: int = 1,
    noise: bool = True,
    first_episode: int = 0,
) -> Replay:
    """Play ``moves`` (per round: party id -> its recorded move) through ``compiled``.

    Parties absent from a round do nothing that round (their standing policies
    stay in force). Deterministic for a given seed; see the module docstring
    for noise and refused moves. ``first_episode``: the id of the first replayed
    episode, which addresses its perception noise (a run in draws gives each draw's
    replay the ids of its own episodes, so draws do not share the replay's dice).
    """
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    quiet = _quiet(compiled, noise)
    rng = CounterRNG(seed)
    state = first = initial_state(quiet, episodes, first_episode)
    played = []
    for index, named in enumerate(moves):
        wanted = _submissions(quiet, index, named)
        allowed, refused = _allowed(state, wanted)
        after, events = step(state, allowed, rng)
        played.append(ReplayRound(index, dict(named), refused, events))
        state = after
    return Replay(compiled, seed, noise, first, tuple(played))


_QUIET: WeakKeyDictionary[CompiledScenario, dict[bool, CompiledScenario]] = WeakKeyDictionary()


def _quiet(compiled: CompiledScenario, noise: bool) -> CompiledScenario:
    """``compiled`` without its trembling hand (and, ``noise=False``, without misperception)."""
    found = _QUIET.setdefault(compiled, {})
    if noise not in found:
        given = compiled.scenario.noise
        update: dict[str, Any] = {"tremble": 0.0}
        if not noise:
            update |= {"miss": 0.0, "false_alarm": 0.0, "observers": {}}
        if all(getattr(given, k) == v for k, v in update.items()):
            found[noise] = compiled
        else:
            scenario = compiled.scenario.model_copy(
                update={"noise": given.model_copy(update=update)}
            )
            found[noise] = compile_scenario(scenario)
    return found[noise]


def _submissions(c: CompiledScenario, index: int, named: Mapping[str, NamedMove]) -> Submissions:
    """One episode's submissions of the recorded moves; exclusive sets keep their last."""
    actions = np.zeros((1, c.n_slots), dtype=bool)
    offers = np.zeros((1, len(c.commitments)), dtype=bool)
    for party, move in named.items():
        if party not in c.parties:
            raise ReplayError(
                f"round {index + 1}: unknown party {party!r} (expected one of: "
                f"{', '.join(c.parties)})"
            )
        seat = c.seat(party)
        wrong = seat.unknown(move)
        if wrong is not None:
            raise ReplayError(f"round {index + 1}: {wrong}")
        for name in move.actions:
            actions[0, seat.action_slot[name]] = True
        for name in move.offers:
            offers[0, seat.commitment_index[name]] = True
    return Submissions(actions, offers)


def _allowed(state: State, wanted: Submissions) -> tuple[Submissions, tuple[Refusal, ...]]:
    """``wanted`` for every episode, less what the state makes unavailable; the refusals."""
    c = state.compiled
    open_ = available(state)
    actions = np.repeat(wanted.actions, state.batch, axis=0)
    offers = np.repeat(wanted.offers, state.batch, axis=0)
    refused: list[Refusal] = []
    for group in c.exclusive:
        chosen = [int(k) for k in group if wanted.actions[0, k]]
        for k in chosen[:-1]:
            actions[:, k] = False
            later = c.actions[c.slots[chosen[-1]][1]]
            refused.append(_refusal(c, "action", k, f"{later} was taken instead", state.batch))
    for k in map(int, np.flatnonzero(actions[0])):
        closed = ~open_[:, k]
        if closed.any():
            actions[closed, k] = False
            refused.append(_refusal(c, "action", k, _why(state, k), int(closed.sum())))
    for m in map(int, np.flatnonzero(offers[0])):
        k = int(c.commitment_slot[m])
        closed = ~open_[:, k]
        if closed.any():
            offers[closed, m] = False
            refused.append(_refusal(c, "offer", int(m), _why(state, k), int(closed.sum())))
    return Submissions(actions, offers), tuple(refused)


def _refusal(c: CompiledScenario, kind: str, i: int, reason: str, episodes: int) -> Refusal:
    k = i if kind == "action" else int(c.commitment_slot[i])
    party = c.parties[int(c.slot_party[k])]
    name = c.actions[c.slots[k][1]] if kind == "action" else c.commitments[i]
    return Refusal(party, kind, name, reason, episodes)


def _why(state: State, k: int) -> str:
    """Why slot ``k`` is unavailable, in the first episode where it is."""
    b = int(np.flatnonzero(~available(state)[:, k])[0])
    return why_unavailable(state, b, k)


def _names(names: tuple[str, ...], flags: Any) -> list[str]:
    return [n for n, on in zip(names, flags, strict=True) if on]


def _labels(c: CompiledScenario, flags: Any) -> list[str]:
    return [c.slot_label(int(k)) for k in np.flatnonzero(flags)]
