"""Building submissions by name, for readable engine tests."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from detente.engine import Submissions
from detente.scenario.compiled import CompiledScenario


def moves(
    compiled: CompiledScenario,
    actions: Iterable[str] = (),
    offers: Iterable[str] = (),
    deals: Iterable[str] = (),
    batch: int = 1,
) -> Submissions:
    """Outright ``PARTY.action`` slots, named commitments, and every commitment of named deals."""
    sub = Submissions.empty(compiled, batch)
    for label in actions:
        party, action = label.split(".", 1)
        sub.actions[:, compiled.slot_of(party, action)] = True
    names = list(offers)
    for deal in deals:
        d = compiled.deals.index(deal)
        names += [compiled.commitments[m] for m in compiled.deal_members(d)]
    for name in names:
        sub.offers[:, compiled.commitments.index(name)] = True
    return sub


def one_of_each_set(
    compiled: CompiledScenario, actions: np.ndarray, gen: np.random.Generator
) -> np.ndarray:
    """``actions`` (``[B, K]`` outright slots, changed in place and returned) with at most one
    slot of each of ``compiled.exclusive``'s sets, drawn at random among those chosen.

    The rule a move must follow: a party takes at most one level of an action in a round,
    and never an action together with its own counter-action (a policy and its
    revocation, an act and its reversal). ``compiled.exclusive`` lists those sets.
    """
    for group in compiled.exclusive:
        chosen = actions[:, group]
        draw = np.where(chosen, gen.random(chosen.shape), -1.0)
        keep = np.zeros_like(chosen)
        keep[np.arange(len(chosen)), draw.argmax(axis=1)] = True
        actions[:, group] = chosen & keep
    return actions


def executed_labels(compiled: CompiledScenario, executed: np.ndarray) -> set[str]:
    return {compiled.slot_label(int(k)) for k in np.flatnonzero(executed)}
