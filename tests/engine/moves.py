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


def executed_labels(compiled: CompiledScenario, executed: np.ndarray) -> set[str]:
    return {compiled.slot_label(int(k)) for k in np.flatnonzero(executed)}
