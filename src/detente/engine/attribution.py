"""Attribution: whose acts met the trigger of the breakdown rule that fired in a round.

A breakdown trigger is a conjunction of kinds (:mod:`detente.engine.conditions`),
so when a rule fires every kind it names held, and each kind names the
parties whose acts made it hold:

- ``executed``: the actors of the trigger's slots executed that round
  (a graded action's level or any stronger one, as the trigger reads it);
- ``provocations``: the actors of every provocation executed that round
  (each one counted towards the threshold);
- ``violation``: the violators, whoever executed an act that breaks an
  agreement in force that round (the deals :attr:`StepEvents.violated` lists);
- ``trust_below``: no act of the round, but trust fallen below a threshold;
  it is attributed to a pseudo-cause, *trust*, not to a party.

Several parties can share one firing (two provocations by two parties).
Built after the kernel from what it already wrote (the cause, the executed
slots, the violated deals), for the episodes in which a rule fired only:
the kernel itself is untouched, so runs that never ask pay nothing.
"""

from __future__ import annotations

from typing import NamedTuple
from weakref import WeakKeyDictionary

import numpy as np

from detente.dtypes import B8, I64
from detente.engine.conditions import (
    EXECUTED_ANY,
    PROVOCATIONS_AT_LEAST,
    TRUST_BELOW_ANY,
    VIOLATION,
)
from detente.engine.tables import kernel_tables
from detente.scenario.compiled import CompiledScenario


class RuleTriggers(NamedTuple):
    """What each breakdown rule's trigger reads, for attributing its firings."""

    slots: B8  # [rules, K] the slots of the trigger's ``executed`` (levels expanded)
    provocations: B8  # [rules] whether it counts provocations
    violation: B8  # [rules] whether it needs a violation
    trust: B8  # [rules] whether it reads trust below a threshold
    provocation: B8  # [K] the slots that are provocations
    breakers: B8  # [D, K] the slots whose execution violates each deal
    owner: B8  # [K, P] each slot's actor


_TRIGGERS: WeakKeyDictionary[CompiledScenario, RuleTriggers] = WeakKeyDictionary()


def rule_triggers(compiled: CompiledScenario) -> RuleTriggers:
    """The rules' triggers of ``compiled``, read from its condition program once."""
    found = _TRIGGERS.get(compiled)
    if found is None:
        found = _TRIGGERS[compiled] = _build(compiled)
    return found


def _build(c: CompiledScenario) -> RuleTriggers:
    t = kernel_tables(c)
    Q, K, P, D = t.rule_cond.shape[0], c.n_slots, c.n_parties, len(c.deals)
    slots = np.zeros((Q, K), dtype=bool)
    kinds = np.zeros((3, Q), dtype=bool)
    for r, cond in enumerate(t.rule_cond):
        for q in range(t.cond_ptr[cond], t.cond_ptr[cond + 1]):
            kind = t.cond_kind[q]
            if kind == EXECUTED_ANY:
                slots[r, t.cond_a[q]] = True
            elif kind == PROVOCATIONS_AT_LEAST:
                kinds[0, r] = True
            elif kind == VIOLATION:
                kinds[1, r] = True
            elif kind == TRUST_BELOW_ANY:
                kinds[2, r] = True
    breakers = np.zeros((D, K), dtype=bool)
    for d in range(D):
        breakers[d, c.deal_breakers(d)] = True
    owner = np.zeros((K, P), dtype=bool)
    owner[np.arange(K), c.slot_party] = True
    return RuleTriggers(
        slots=slots,
        provocations=kinds[0],
        violation=kinds[1],
        trust=kinds[2],
        provocation=np.asarray(c.slot_provocation, dtype=bool),
        breakers=breakers,
        owner=owner,
    )


def attribute(compiled: CompiledScenario, cause: I64, executed: B8, violated: B8) -> tuple[B8, B8]:
    """``([B, P], [B])``: the parties whose acts met the trigger of the rule that fired in each
    episode, and whether trust below a threshold was part of it (none where no rule fired).

    ``cause`` is ``[B]`` the rule that fired (-1 for none), ``executed`` ``[B, K]`` the
    slots executed in the round, ``violated`` ``[B, D]`` the deals violated in it.
    """
    by = np.zeros((cause.shape[0], compiled.n_parties), dtype=bool)
    trust = np.zeros(cause.shape[0], dtype=bool)
    rows = np.flatnonzero(cause >= 0)
    if rows.size == 0:
        return by, trust
    rt = rule_triggers(compiled)
    rule = cause[rows]
    acted = executed[rows]
    counted = rt.slots[rule] | (rt.provocations[rule, None] & rt.provocation)
    needs_violation = rt.violation[rule]
    if needs_violation.any():
        broke = (violated[rows].astype(np.int64) @ rt.breakers.astype(np.int64)) > 0
        counted |= needs_violation[:, None] & broke
    met = acted & counted
    by[rows] = (met.astype(np.int64) @ rt.owner.astype(np.int64)) > 0
    trust[rows] = rt.trust[rule]
    return by, trust
