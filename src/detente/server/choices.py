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

import numpy as np

from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario


def _displaced(c: CompiledScenario, k: int) -> list[int]:
    """The slots that stop executing when slot ``k`` is taken outright."""
    out = [int(j) for group in c.graded if k in group for j in group if j != k]
    out += [
        int(j)
        for slot, kind, undone in c.counters
        if slot == k and kind == "revokes"
        for j in undone
    ]
    return out


def action_values(c: CompiledScenario, party: str, in_force: B8) -> dict[str, float]:
    """Each of ``party``'s actions: its change to the party's payoff this round.

    ``in_force`` (``[K]``): the standing policies in force, executing anyway.
    """
    p = c.parties.index(party)
    seat = c.seat(party)
    base = np.asarray(in_force, dtype=bool)
    rows = np.repeat(base[np.newaxis, :], len(seat.actions), axis=0)
    for i, k in enumerate(seat.slots):
        rows[i, _displaced(c, int(k))] = False
        rows[i, k] = True
    values = c.utilities.value(rows)[:, p] - c.utilities.value(base)[p]
    return {name: float(v) for name, v in zip(seat.actions, values, strict=True)}


def offer_values(c: CompiledScenario, party: str, in_force: B8) -> dict[str, float]:
    """Each of ``party``'s commitments: its change to the party's payoff this round if it clears."""
    p = c.parties.index(party)
    seat = c.seat(party)
    base = np.asarray(in_force, dtype=bool)
    rows = np.repeat(base[np.newaxis, :], len(seat.offers), axis=0)
    for i, m in enumerate(seat.commitments):
        for member in c.package(int(m)):
            rows[i, c.commitment_slot[member]] = True
            rows[i, c.commitment_conditions(int(member))] = True
    values = c.utilities.value(rows)[:, p] - c.utilities.value(base)[p]
    return {name: float(v) for name, v in zip(seat.offers, values, strict=True)}
