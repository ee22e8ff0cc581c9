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

    counted: B8  # [rules, K] the trigger's ``executed`` slots (levels expanded), and every
    # provocation when it counts provocations: the slots whose actors an execution names
    violation: B8  # [rules] whether it needs a violation
    trust: B8  # [rules] whether it reads trust below a threshold
    breakers: B8  # [D, K] the slots whose execution violates each deal
    order: I64  # [K] the slots sorted by actor
    starts: I64  # [P'] where each actor's slots start in ``order``, for the actors with any
    actors: I64  # [P'] those actors


_TRIGGERS: WeakKeyDictionary[CompiledScenario, RuleTriggers] = WeakKeyDictionary()


def rule_triggers(compiled: CompiledScenario) -> RuleTriggers:
    """The rules' triggers of ``compiled``, read from its condition program once."""
    found = _TRIGGERS.get(compiled)
    if found is None:
        found = _TRIGGERS[compiled] = _build(compiled)
    return found


def _build(c: CompiledScenario) -> RuleTriggers:
    t = kernel_tables(c)
    Q, K, D = t.rule_cond.shape[0], c.n_slots, len(c.deals)
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
    order = np.argsort(c.slot_party, kind="stable")
    actors, starts = np.unique(c.slot_party[order], return_index=True)
    return RuleTriggers(
        counted=slots | (kinds[0][:, None] & np.asarray(c.slot_provocation, dtype=bool)),
        violation=kinds[1],
        trust=kinds[2],
        breakers=breakers,
        order=order,
        starts=starts.astype(np.int64),
        actors=actors.astype(np.int64),
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
    counted = rt.counted[rule]
    if rt.violation.any():
        broken = violated[rows] & rt.violation[rule, None]
        for d in np.flatnonzero(broken.any(axis=0)):
            counted |= broken[:, d, None] & rt.breakers[d]
    met = (executed[rows] & counted)[:, rt.order]
    if rt.actors.size == by.shape[1]:  # every party has actions: one column each, in order
        by[rows] = np.logical_or.reduceat(met, rt.starts, axis=1)
    elif rt.actors.size:
        by[rows[:, None], rt.actors] = np.logical_or.reduceat(met, rt.starts, axis=1)
    trust[rows] = rt.trust[rule]
    return by, trust
