"""Acts that can fail, and observers whose reading of an act depends on who acts.

An action with an ``outcome`` succeeds in a round when any deal of its
``succeeds_if.any_deal_cleared`` clears whole in that round or any slot of
its ``succeeds_if.any_executed`` executes; in any other round it executes,
it *fails*, and observers read it with the failure's intensity instead of
the action's (a summit that ends without a deal is not cooperation).

A ``readings`` entry gives one observer's intensity for one actor's act (or
every actor's), in place of the action's: the DPRK reads US drills as a
rehearsal of invasion, Japan as reassurance. An observer's reading of a
failed act is the reading's ``failed`` when given, else the action's failure
intensity: a reading says how an act that happened is taken, a failure says
that it came to nothing, and the two are separate judgements.

:class:`OutcomeModel` holds both, by slot and observer, for the engine and
for anyone who asks how an observer reads an act.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from detente.dtypes import B8, F64, I64
from detente.scenario.schema import Scenario


@dataclass(frozen=True, eq=False)
class OutcomeModel:
    """Which slots can fail, when they succeed, and every observer's reading of every slot.

    Outcomes are per action: ``judged[j]`` are the slots of the ``j``-th
    action that can fail, all of which succeed or fail together, by
    ``success_deals[j]`` and ``success_slots[j]``. ``reading[o, k]`` is how
    observer ``o`` reads slot ``k`` executed (and succeeded, when it can
    fail), ``failed_reading[o, k]`` how it reads it failed (the same where
    ``k`` cannot fail); both on the -10..10 scale. ``own[o]``: whether
    observer ``o`` has readings of its own, so that its row may differ from
    the actions' intensities.
    """

    can_fail: B8  # [K]
    judged: tuple[I64, ...]  # [J] slots of each action with an outcome
    success_deals: tuple[I64, ...]  # [J] deals, any of which clearing makes it succeed
    success_slots: tuple[I64, ...]  # [J] slots, any of which executing makes it succeed
    reading: F64  # [P, K]
    failed_reading: F64  # [P, K]
    own: B8  # [P]

    @property
    def any_outcome(self) -> bool:
        """Whether any act can fail."""
        return bool(self.can_fail.any())

    @property
    def any_reading(self) -> bool:
        """Whether any observer reads an act otherwise than its action's intensity."""
        return bool(self.own.any())

    def read(self, observer: int, k: int, failed: bool = False) -> float:
        """How ``observer`` reads slot ``k`` executed (``failed``: and failed), -10..10."""
        table = self.failed_reading if failed and self.can_fail[k] else self.reading
        return float(table[observer, k])

    @staticmethod
    def of(
        scenario: Scenario,
        party: Mapping[str, int],
        met_by: Callable[[str], list[int]],
        deal: Mapping[str, int],
        slot_party: I64,
        slot_action: I64,
        intensity: F64,
        slot_level: I64 | None = None,
    ) -> OutcomeModel:
        """The model of a validated scenario; slot ``k`` is party ``slot_party[k]`` taking
        declared action ``slot_action[k]`` (any of its levels; -1 for a revocation or a
        reversal, which neither fail nor have readings), read by default with
        ``intensity[k]``. ``met_by`` gives the slots a reference is met by (a level or
        stronger, any level when bare); ``slot_level[k]`` is the slot's level (-1 ungraded),
        which a reading of one level (a vote) selects."""
        P, K = len(party), len(intensity)
        can_fail = np.zeros(K, dtype=bool)
        failure = intensity.copy()
        judged, success_deals, success_slots = [], [], []
        for a, action in enumerate(scenario.actions):
            if action.result is None:
                continue
            slots = np.flatnonzero(slot_action == a)
            can_fail[slots] = True
            failure[slots] = action.result.failed.intensity
            when = action.result.succeeds_if
            judged.append(slots.astype(np.int64))
            success_deals.append(np.array([deal[d] for d in when.any_deal_cleared], dtype=np.int64))
            met = [k for ref in when.any_executed for k in met_by(ref)]
            success_slots.append(np.array(met, dtype=np.int64))
        reading = np.broadcast_to(intensity, (P, K)).copy()
        failed_reading = np.broadcast_to(failure, (P, K)).copy()
        own = np.zeros(P, dtype=bool)
        declared = scenario.declared_actions
        actions = [a.id for a in declared]
        for r in scenario.readings:
            o = party[r.observer]
            a = actions.index(r.action)
            actor = party[r.actor] if r.actor is not None else -1
            slots = np.flatnonzero(slot_action == a)
            if r.level is not None and slot_level is not None:
                level = [lv.id for lv in declared[a].levels].index(r.level)
                slots = slots[slot_level[slots] == level]
            for k in slots:
                p = int(slot_party[k])
                if actor in (-1, p) and p != o:
                    reading[o, k] = r.intensity
                    if r.failed is not None and can_fail[k]:
                        failed_reading[o, k] = r.failed
                    own[o] = True
        failed_reading = np.where(can_fail, failed_reading, reading)
        return OutcomeModel(
            can_fail=can_fail,
            judged=tuple(judged),
            success_deals=tuple(success_deals),
            success_slots=tuple(success_slots),
            reading=reading,
            failed_reading=failed_reading,
            own=own,
        )
