"""What each choice of a seat is worth to its party this round, under the current state.

A person at a seat sees, beside each action and commitment, how much it
would change the party's payoff this round (the scenario's utilities, in the
party's own units, undiscounted like the payoffs the seat is shown), against
a round in which the party takes nothing else. What executes anyway is part
of both sides: the standing policies in force (they execute every round
unless revoked or replaced by another level).

- An action: the party's utility with it executed, less without it. Taking
  it replaces what it would displace: another level of the same graded
  action, or the policies it revokes.
- A commitment: the value *if it clears*, that is with its action executed
  together with everything its clearing needs of the others: the acts its
  conditions name (the mildest level meeting each) and, for a member of a
  deal, every member's action and conditions.

These are one-round values of one choice alone (pairwise terms between two
of the party's own choices are not counted), a hint, not a forecast.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario


@dataclass(frozen=True, eq=False)
class _Choices:
    """A party's choices of one kind as changes to what executes: each row's slots removed
    (``drop``), then added (``add``), both ``[choices, K]``; built once per scenario and party."""

    names: tuple[str, ...]
    drop: B8
    add: B8

    def values(self, c: CompiledScenario, party: int, in_force: B8) -> dict[str, float]:
        base = np.asarray(in_force, dtype=bool)
        rows = (base[np.newaxis, :] & ~self.drop) | self.add
        values = c.utilities.value(rows)[:, party] - c.utilities.value(base)[party]
        return {name: float(v) for name, v in zip(self.names, values, strict=True)}


@functools.lru_cache(maxsize=256)
def _actions(c: CompiledScenario, party: str) -> _Choices:
    seat = c.seat(party)
    drop = np.zeros((len(seat.actions), c.n_slots), dtype=bool)
    add = np.zeros_like(drop)
    for i, k in enumerate(int(k) for k in seat.slots):
        add[i, k] = True
        for group in c.graded:  # another level of the same action stops executing
            if k in group:
                drop[i, group] = True
        for slot, kind, undone in c.counters:  # so do the policies a revocation revokes
            if slot == k and kind == "revokes":
                drop[i, undone] = True
    drop &= ~add
    return _Choices(seat.actions, drop, add)


@functools.lru_cache(maxsize=256)
def _offers(c: CompiledScenario, party: str) -> _Choices:
    seat = c.seat(party)
    add = np.zeros((len(seat.offers), c.n_slots), dtype=bool)
    for i, m in enumerate(seat.commitments):
        for member in c.package(int(m)):
            add[i, c.commitment_slot[member]] = True
            add[i, c.commitment_conditions(int(member))] = True
    return _Choices(seat.offers, np.zeros_like(add), add)


def action_values(c: CompiledScenario, party: str, in_force: B8) -> dict[str, float]:
    """Each of ``party``'s actions: its change to the party's payoff this round.

    ``in_force`` (``[K]``): the standing policies in force, executing anyway.
    """
    return _actions(c, party).values(c, c.parties.index(party), in_force)


def offer_values(c: CompiledScenario, party: str, in_force: B8) -> dict[str, float]:
    """Each of ``party``'s commitments: its change to the party's payoff this round if it clears."""
    return _offers(c, party).values(c, c.parties.index(party), in_force)
