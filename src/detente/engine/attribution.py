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
Built after the kernel, on demand, from what it already wrote (the cause,
the executed slots, the violated deals) by a small compiled loop that skips
the episodes in which no rule fired: the kernel itself is untouched, so runs
that never ask pay nothing.
"""

from __future__ import annotations

from typing import NamedTuple
from weakref import WeakKeyDictionary

import numpy as np
from numba import njit

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
    actor: I64  # [K] each slot's actor


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
    return RuleTriggers(
        counted=slots | (kinds[0][:, None] & np.asarray(c.slot_provocation, dtype=bool)),
        violation=kinds[1],
        trust=kinds[2],
        breakers=breakers,
        actor=np.asarray(c.slot_party, dtype=np.int64),
    )


def attribute(compiled: CompiledScenario, cause: I64, executed: B8, violated: B8) -> tuple[B8, B8]:
    """``([B, P], [B])``: the parties whose acts met the trigger of the rule that fired in each
    episode, and whether trust below a threshold was part of it (none where no rule fired).

    ``cause`` is ``[B]`` the rule that fired (-1 for none), ``executed`` ``[B, K]`` the
    slots executed in the round, ``violated`` ``[B, D]`` the deals violated in it.
    """
    by = np.zeros((cause.shape[0], compiled.n_parties), dtype=bool)
    trust = np.zeros(cause.shape[0], dtype=bool)
    rt = rule_triggers(compiled)
    _attribute(
        rt.counted,
        rt.violation,
        rt.trust,
        rt.breakers,
        rt.actor,
        cause,
        executed,
        violated,
        by,
        trust,
    )
    return by, trust


@njit(cache=True, error_model="numpy")
def _attribute(
    counted: B8,
    violation: B8,
    reads_trust: B8,
    breakers: B8,
    actor: I64,
    cause: I64,
    executed: B8,
    violated: B8,
    by: B8,
    trust: B8,
) -> None:
    """:func:`attribute`'s loop: for each episode in which rule ``r`` fired, the actors of the
    executed slots it counts, or that break a deal violated in the round when it needs a
    violation. ``by`` and ``trust`` come zeroed and are written where a rule fired."""
    for b in range(cause.shape[0]):
        r = cause[b]
        if r < 0:
            continue
        trust[b] = reads_trust[r]
        for k in range(executed.shape[1]):
            if not executed[b, k]:
                continue
            hit = counted[r, k]
            if not hit and violation[r]:
                for d in range(violated.shape[1]):
                    hit |= violated[b, d] and breakers[d, k]
            if hit:
                by[b, actor[k]] = True
