"""Summary statistics of a history: what a calibration compares between the record and the model.

A history is R rounds of acts (the record's mapped moves before the cut, or
one simulated episode from the scenario's start). Its statistics, each a
number per history (docs/calibrate.md):

* ``provocations.PARTY``: the party's provocations (actions of category
  ``provocation``: tests, drills, the end of a moratorium) per round;
* ``cooperation.PARTY``: its restraints, concessions and initiatives
  (categories ``restraint``, ``concession``, ``initiative``: a moratorium,
  a suspension of drills, sanctions relief, a declaration) per round;
* ``meetings.ACTION``: for a dialogue action of two or more actors (a
  summit, a six-party meeting), the share of rounds in which all of them
  took it (a meeting needs its participants);
* ``first_agreement``: the round of the first agreement (a deal announced
  in the record, a deal that comes into force in the model) over R;
  (R + 1) / R when there is none in the window (censored).

Acts are counted as the backtest counts them (:mod:`detente.backtest.paths`):
an action taken in the round, a standing policy only in the round it
starts. Sanctions and votes are left out (korea's sanctions are its
starting point, its votes the Council's), and so is the stage: the record
names acts, not stages, and the stage a replay reaches depends on the very
numbers being fitted, so it is not data. A party or action with nothing to
count has no statistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from detente.backtest.paths import Paths, record_paths
from detente.dtypes import B8, F64
from detente.engine import CounterRNG, initial_state
from detente.record.mapping import MappedRecord
from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import Assignment
from detente.simulate.runner import build_profile, play

COOPERATIVE = ("restraint", "concession", "initiative")


@dataclass(frozen=True)
class Statistic:
    """One statistic: its name, what it counts, and the slots it reads."""

    name: str
    meaning: str
    slots: tuple[int, ...]  # the acts it counts (all of them at once, for a meeting)
    kind: str  # "rate", "meeting" or "agreement"


def statistics_of(compiled: CompiledScenario) -> tuple[Statistic, ...]:
    """The statistics of ``compiled``, in a fixed order (parties, then meetings, then agreement)."""
    c = compiled
    out = []
    for p, party in enumerate(c.parties):
        mine = [k for k in range(c.n_slots) if int(c.slot_party[k]) == p]
        for label, kinds, what in (
            ("provocations", ("provocation",), "provocations"),
            ("cooperation", COOPERATIVE, "restraints, concessions and initiatives"),
        ):
            slots = tuple(k for k in mine if c.slot_category[k] in kinds)
            if slots:
                out.append(
                    Statistic(f"{label}.{party}", f"{party}'s {what} per round", slots, "rate")
                )
    for a, action in enumerate(c.actions):
        slots = tuple(k for k in range(c.n_slots) if c.slots[k][1] == a)
        if len(slots) >= 2 and c.slot_category[slots[0]] == "dialogue":
            out.append(
                Statistic(
                    f"meetings.{action}",
                    f"share of rounds in which all {len(slots)} actors took {action}",
                    slots,
                    "meeting",
                )
            )
    if c.deals:
        out.append(
            Statistic(
                "first_agreement",
                "round of the first agreement over the rounds ((R + 1) / R: none)",
                (),
                "agreement",
            )
        )
    return tuple(out)


def compute(stats: Sequence[Statistic], acts: B8, agreement: B8) -> F64:
    """``[N, S]``: each history's statistics from its acts ``[N, R, K]`` and, per round,
    whether an agreement came about ``[N, R]``."""
    n, rounds, _ = acts.shape
    out = np.empty((n, len(stats)))
    for j, s in enumerate(stats):
        if s.kind == "rate":
            out[:, j] = acts[:, :, list(s.slots)].sum(axis=(1, 2)) / rounds
        elif s.kind == "meeting":
            out[:, j] = acts[:, :, list(s.slots)].all(axis=2).sum(axis=1) / rounds
        else:
            first = np.where(agreement.any(axis=1), agreement.argmax(axis=1) + 1, rounds + 1)
            out[:, j] = first / rounds
    return out


def observed(compiled: CompiledScenario, mapped: MappedRecord, known: int) -> F64:
    """``[S]``: the statistics of the record's first ``known`` rounds, through the mapping.

    An agreement in the record is a deal announced: every commitment of it
    offered in one round (the mapping writes an announced deal that way)."""
    if known < 1:
        raise ValueError("a history needs at least one round")
    rounds = mapped.rounds[:known]
    acts = record_paths(compiled, replace(mapped, rounds=rounds), None).acts[:, 1:]
    agreement = np.zeros((1, known), dtype=bool)
    for t, rnd in enumerate(rounds):
        offered = {
            compiled.seat(party).commitment_index[name]
            for party, move in rnd.moves.items()
            for name in move.offers
        }
        agreement[0, t] = any(
            all(int(m) in offered for m in compiled.package(first)) for first in offered
        )
    out: F64 = compute(statistics_of(compiled), acts, agreement)[0]
    return out


def simulated(
    compiled: CompiledScenario,
    profile: Assignment | None,
    rounds: int,
    episodes: int,
    seed: int,
) -> F64:
    """``[episodes, S]``: the statistics of episodes played from the scenario's start.

    Each episode plays ``rounds`` rounds of ``profile`` (the scenario's
    defaults for parties left out) from the scenario's initial state, the
    state its ``initial:`` section describes at the record's first date;
    its dice are those of ``seed`` (episodes 0 .. episodes - 1)."""
    state = initial_state(compiled, episodes)
    _, strategies = build_profile(compiled, profile)
    executed = np.zeros((episodes, rounds + 1, compiled.n_slots), dtype=bool)
    executed[:, 0] = state.executed
    agreement = np.zeros((episodes, rounds), dtype=bool)
    for t, events in enumerate(play(strategies, state, rounds, CounterRNG(seed))):
        executed[:, t + 1] = events.after.executed
        agreement[:, t] = (events.after.in_force & ~events.before.in_force).any(axis=1)
    zeros = np.zeros((episodes, rounds + 1), dtype=np.int64)
    acts = Paths.from_executed(compiled, zeros, zeros.astype(bool), executed).acts[:, 1:]
    return compute(statistics_of(compiled), acts, agreement)
