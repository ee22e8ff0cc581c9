"""Events: what happened in a round, as structured records.

A step's events stay as arrays (cheap at 100,000 episodes); records for one
episode are built on demand, in a fixed order, for the ledger and for humans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.dtypes import B8, F64, I64
from detente.engine.arrays import Outcome
from detente.engine.attribution import attribute
from detente.engine.roadmap import ADVANCE, BACK, RESUME, STALL
from detente.scenario.institutions import NOT_VOTED, RESULTS

if TYPE_CHECKING:
    from detente.engine.state import State, Submissions


class EventType(StrEnum):
    """The kinds of engine event, in the order a round's records list them."""

    COMMITMENT_CLEARED = "commitment_cleared"
    COMMITMENT_DROPPED = "commitment_dropped"
    ACTION_EXECUTED = "action_executed"
    ACTION_WITHHELD = "action_withheld"
    POLICY_STARTED = "policy_started"
    POLICY_ENDED = "policy_ended"
    RESOLUTION_VOTED = "resolution_voted"
    AGREEMENT_REACHED = "agreement_reached"
    AGREEMENT_RENEWED = "agreement_renewed"
    AGREEMENT_VIOLATED = "agreement_violated"
    OBSERVED = "observed"
    TRUST_UPDATED = "trust_updated"
    PAYOFF = "payoff"
    TRACK_ADVANCED = "track_advanced"
    STAGE_CHANGED = "stage_changed"
    STALLED = "stalled"
    RESUMED = "resumed"
    SUCCESS = "success"
    SUCCESS_LOST = "success_lost"
    SUCCESS_REGAINED = "success_regained"


@dataclass(frozen=True)
class Event:
    """One fact: in ``round``, something of ``type`` happened (to ``party``)."""

    round: int
    type: str
    party: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "type": self.type,
            "party": self.party,
            "payload": self.payload,
        }


@dataclass(frozen=True, eq=False)
class StepEvents:
    """The arrays of one step, plus the states on either side of it."""

    before: State
    after: State
    submissions: Submissions
    outcome: Outcome

    @property
    def round(self) -> int:
        return self.after.round

    @property
    def payoff(self) -> F64:
        """``[B, P]`` each party's payoff of this round (undiscounted)."""
        return self.outcome.payoff

    @property
    def failed(self) -> B8:
        """``[B, K]`` the slots executed this round whose outcome failed (a summit, no deal)."""
        return self.outcome.failed

    @property
    def violated(self) -> B8:
        """``[B, D]`` the agreements (deals) violated in this round."""
        return self.outcome.violated

    @property
    def resolutions(self) -> I64:
        """``[B, R]`` what became of each resolution this round (``compiled.institutions``):
        0 not voted, 1 adopted, 2 vetoed, 3 rejected (too few votes in favour)."""
        return self.outcome.resolved

    @property
    def stalled(self) -> B8:
        """``[B]`` whether the roadmap stalled in this round."""
        stalled: B8 = self.outcome.transition == STALL
        return stalled

    @property
    def breakdown(self) -> I64:
        """``[B]`` the breakdown rule that fired this round (``compiled.rules``), -1 for none."""
        return self.outcome.cause

    @property
    def triggered_by(self) -> B8:
        """``[B, P]`` the parties whose acts met the trigger of the breakdown rule that fired
        this round (:attr:`breakdown`): the actors of its executed slots, of the provocations
        it counted, the violators of the agreement it needed (:mod:`detente.engine.attribution`);
        no party where no rule fired or only trust below a threshold met it."""
        return self._attributed[0]

    @property
    def triggered_on_trust(self) -> B8:
        """``[B]`` whether trust below a threshold (the pseudo-cause *trust*, no party's act
        of the round) was part of the trigger of the rule that fired this round."""
        return self._attributed[1]

    @cached_property
    def _attributed(self) -> tuple[B8, B8]:
        return attribute(
            self.after.compiled, self.outcome.cause, self.after.arrays.executed, self.violated
        )

    @property
    def success(self) -> B8:
        """``[B]`` whether success was reached (for the first time) in this round."""
        return self.outcome.success

    @property
    def success_lost(self) -> B8:
        """``[B]`` whether success was in force before this round and is not after it."""
        hold = self.after.compiled.scenario.roadmap.success.hold_rounds
        lost: B8 = self.before.arrays.held >= hold
        lost &= self.after.arrays.held < hold
        return lost

    def records(self, b: int = 0) -> list[Event]:
        """The events of episode ``b`` (a batch index) in canonical order."""
        return (
            self._moves(b)
            + self._policies(b)
            + self._resolutions(b)
            + self._deals(b)
            + self._observations(b)
            + self._payoffs(b)
            + self._roadmap(b)
        )

    def _moves(self, b: int) -> list[Event]:
        c = self.after.compiled
        rnd = self.round
        out: list[Event] = []
        offers = self.submissions.offers[b]
        cleared = self.outcome.cleared[b]
        for m in np.flatnonzero(offers):
            kind = EventType.COMMITMENT_CLEARED if cleared[m] else EventType.COMMITMENT_DROPPED
            party = c.parties[int(c.commitment_party[m])]
            out.append(Event(rnd, kind, party, {"commitment": c.commitments[m]}))
        executed = self.after.arrays.executed[b]
        trembled = self.outcome.trembled[b]
        failed = self.outcome.failed[b]
        can_fail = c.outcomes.can_fail
        outright = self.submissions.actions[b] ^ trembled
        committed = np.zeros_like(executed)
        committed[c.commitment_slot[cleared]] = True
        carried = self.before.policies_in_force[b]
        for k in np.flatnonzero(executed | trembled):
            p, a = c.slots[k]
            if not executed[k]:
                kind, via = EventType.ACTION_WITHHELD, "tremble"
            elif outright[k]:
                kind, via = EventType.ACTION_EXECUTED, "tremble" if trembled[k] else "unconditional"
            elif carried[k] and not committed[k]:
                kind, via = EventType.ACTION_EXECUTED, "policy"
            else:
                kind, via = EventType.ACTION_EXECUTED, "commitment"
            payload = {"action": c.actions[a], "via": via}
            if executed[k] and can_fail[k]:
                payload["outcome"] = "failed" if failed[k] else "succeeded"
            out.append(Event(rnd, kind, c.parties[p], payload))
        return out

    def _policies(self, b: int) -> list[Event]:
        """Standing policies that started or ended; an ended one's ``cause`` is ``revoked``
        (``by`` the revocation) or ``replaced`` (another of its levels started)."""
        c = self.after.compiled
        if not c.has_policies:
            return []
        before = self.before.policies_in_force[b]
        after = self.after.policies_in_force[b]
        executed = self.after.arrays.executed[b]
        revoker = {
            int(t): k for k, kind, targets in c.counters if kind == "revokes" for t in targets
        }
        out: list[Event] = []
        for k in np.flatnonzero(before != after):
            p, a = c.slots[k]
            payload = {"action": c.actions[a]}
            if after[k]:
                out.append(Event(self.round, EventType.POLICY_STARTED, c.parties[p], payload))
                continue
            j = revoker.get(int(k), -1)
            if j >= 0 and executed[j]:
                payload |= {"cause": "revoked", "by": c.actions[c.slots[j][1]]}
            else:
                payload["cause"] = "replaced"
            out.append(Event(self.round, EventType.POLICY_ENDED, c.parties[p], payload))
        return out

    def _resolutions(self, b: int) -> list[Event]:
        """Each resolution put to a vote: the tally (outside votes included), who vetoed it,
        and the level of its policy in force after the round."""
        model = self.after.compiled.institutions
        c = self.after.compiled
        executed = self.after.arrays.executed[b]
        out: list[Event] = []
        for r in np.flatnonzero(self.outcome.resolved[b] != NOT_VOTED):
            slots, veto = model.vote_slots[r], model.veto[r]
            cast = executed[slots]  # [members, 3]: abstain, in favour, against
            outside = model.outside[r]
            against = cast[:, 2]
            lo, hi = model.policy_levels[model.r_policy[r]]
            level = np.flatnonzero(self.after.arrays.inst[b, lo:hi])
            payload = {
                "institution": model.institution[r],
                "resolution": model.resolutions[r],
                "result": RESULTS[int(self.outcome.resolved[b, r])],
                "in_favour": int(cast[:, 1].sum()) + outside[1],
                "against": int(against.sum()) + outside[2],
                "abstain": int(cast[:, 0].sum()) + outside[0],
                "vetoed_by": [c.parties[int(p)] for p in model.members[r][against & veto]],
                "in_force": model.levels[lo + int(level[0])] if level.size else None,
            }
            out.append(Event(self.round, EventType.RESOLUTION_VOTED, None, payload))
        return out

    def _deals(self, b: int) -> list[Event]:
        c = self.after.compiled
        was_in_force = self.before.arrays.in_force[b]
        out = [
            Event(
                self.round,
                EventType.AGREEMENT_RENEWED if was_in_force[d] else EventType.AGREEMENT_REACHED,
                None,
                {"deal": c.deals[d]},
            )
            for d in np.flatnonzero(self.outcome.deal_cleared[b])
        ]
        out += [
            Event(self.round, EventType.AGREEMENT_VIOLATED, None, {"deal": c.deals[d]})
            for d in np.flatnonzero(self.outcome.violated[b])
        ]
        return out

    def _observations(self, b: int) -> list[Event]:
        c = self.after.compiled
        executed = self.after.arrays.executed[b]
        perceived = self.after.arrays.perceived[b]
        out: list[Event] = []
        for o, observer in enumerate(c.parties):
            for k in np.flatnonzero(executed | perceived[o]):
                p, a = c.slots[k]
                if p == o:
                    continue
                kind = (
                    "seen"
                    if executed[k] and perceived[o, k]
                    else ("missed" if executed[k] else "false_alarm")
                )
                payload = {"actor": c.parties[p], "action": c.actions[a], "kind": kind}
                out.append(Event(self.round, EventType.OBSERVED, observer, payload))
        trust = self.after.arrays.trust[b]
        matrix = {
            i: {j: round(float(trust[x, y]), 12) for y, j in enumerate(c.parties) if x != y}
            for x, i in enumerate(c.parties)
        }
        out.append(Event(self.round, EventType.TRUST_UPDATED, None, {"trust": matrix}))
        return out

    def _payoffs(self, b: int) -> list[Event]:
        c = self.after.compiled
        return [
            Event(self.round, EventType.PAYOFF, party, {"value": float(self.outcome.payoff[b, p])})
            for p, party in enumerate(c.parties)
        ]

    def _cause(self, b: int) -> dict[str, Any]:
        """The ``cause`` of episode ``b``'s transition (the rule, None for none) and, when a
        rule fired, ``by`` whom: the parties whose acts met its trigger, and
        ``trust_below: true`` when trust below a threshold was part of it."""
        c = self.after.compiled
        cause = int(self.outcome.cause[b])
        if cause < 0:
            return {"cause": None}
        one = slice(b, b + 1)
        by, trust = attribute(
            c, self.outcome.cause[one], self.after.arrays.executed[one], self.violated[one]
        )
        out: dict[str, Any] = {
            "cause": c.rules[cause],
            "by": [c.parties[p] for p in np.flatnonzero(by[0])],
        }
        if trust[0]:
            out["trust_below"] = True
        return out

    def _roadmap(self, b: int) -> list[Event]:
        c = self.after.compiled
        rnd = self.round
        out: list[Event] = []
        for tr in np.flatnonzero(self.outcome.track_advanced[b]):
            level = c.track_levels[tr][int(self.after.arrays.track_level[b, tr]) - 1]
            out.append(
                Event(rnd, EventType.TRACK_ADVANCED, None, {"track": c.tracks[tr], "level": level})
            )
        kind = int(self.outcome.transition[b])
        before = c.stages[int(self.before.arrays.stage[b])]
        after = c.stages[int(self.after.arrays.stage[b])]
        cause = self._cause(b)
        if kind in (ADVANCE, BACK):
            out.append(
                Event(rnd, EventType.STAGE_CHANGED, None, {"from": before, "to": after} | cause)
            )
        elif kind == STALL:
            out.append(Event(rnd, EventType.STALLED, None, {"stage": before} | cause))
        elif kind == RESUME:
            out.append(Event(rnd, EventType.RESUMED, None, {"stage": after}))
        if self.outcome.success[b]:
            out.append(Event(rnd, EventType.SUCCESS, None, {"stage": after}))
        was, now = self.before.success_in_force[b], self.after.success_in_force[b]
        if was and not now:
            out.append(Event(rnd, EventType.SUCCESS_LOST, None, {"stage": after}))
        elif now and not was and not self.outcome.success[b]:
            out.append(Event(rnd, EventType.SUCCESS_REGAINED, None, {"stage": after}))
        return out
