"""What each reader may see: the public state of a session, a seat's own view, public events.

The public shows everything except moves not yet cleared: a ``revealed``
event's payload stays sealed until its round has cleared, so a seat that has
not revealed cannot adapt to one that has. A seat additionally sees its own
commitment and move, its own perception, trust and payoff.
"""

from __future__ import annotations

from typing import Any

from detente.engine import available, offerable
from detente.ledger.moves import own_names
from detente.ledger.record import LedgerEvent
from detente.ledger.session import Session


def summary(s: Session) -> dict[str, Any]:
    """One line of the session list."""
    return {
        "id": s.id,
        "scenario": s.compiled.scenario.id,
        "title": s.compiled.scenario.title,
        "created_at": s.created_at,
        "round": s.round,
        "rounds": s.rounds,
        "status": s.status,
        "stage": s.stage(),
    }


def public_state(s: Session) -> dict[str, Any]:
    """The state anyone may read: roadmap, trust, agreements, who has moved."""
    c = s.compiled
    levels = s.state.arrays.track_level[0]
    success = int(s.state.arrays.success_round[0])
    return {
        **summary(s),
        "parties": list(c.parties),
        "stages": list(c.stages),
        "deadline": s.deadline,
        "cleared_through": s.cleared_through,
        "engine_stalled": s.engine_stalled(),
        "trust": s.trust(),
        "in_force": s.in_force(),
        "deals": list(c.deals),
        "tracks": {
            t: (c.track_levels[i][int(levels[i]) - 1] if int(levels[i]) > 0 else None)
            for i, t in enumerate(c.tracks)
        },
        "totals": dict(zip(c.parties, (float(v) for v in s.state.arrays.total[0]), strict=True)),
        "committed": sorted(s.commits),
        "revealed": sorted(p for p in s.moves if p not in s.defaulted),
        "waiting_for": s.waiting_for(),
        "success_round": success if success > 0 else None,
        "head": {"seq": s.last_seq, "hash": s.head},
    }


def seat_view(s: Session, party: str) -> dict[str, Any]:
    """A seat's view: the public state plus what only this party may know."""
    c = s.compiled
    p = c.parties.index(party)
    avail, offer = available(s.state)[0], offerable(s.state)[0]
    actions, offers = own_names(c, party)
    by_action = {a.id: a for a in c.scenario.actions}
    by_com = {m.id: m for m in c.scenario.commitments}
    move = s.moves.get(party)
    return {
        "party": party,
        "public": public_state(s),
        "own": {
            "commitment": s.commits.get(party),
            "move": None if move is None else move.payload(),
            "defaulted": party in s.defaulted,
        },
        "actions": [
            {
                "id": name,
                "category": by_action[name].category,
                "intensity": by_action[name].intensity,
                "available": bool(avail[k]),
            }
            for name, k in actions.items()
        ],
        "commitments": [
            {
                "id": name,
                "action": by_com[name].action,
                "if": list(by_com[name].conditions),
                "description": by_com[name].description,
                "offerable": bool(offer[m]),
            }
            for name, m in offers.items()
        ],
        "perceived": [
            c.slot_label(k) for k, seen in enumerate(s.state.arrays.perceived[0, p]) if seen
        ],
        "trust": dict(zip(c.parties, (float(v) for v in s.state.arrays.trust[0, p]), strict=True)),
        "payoff": s.payoff[p],
    }


def public_event(s: Session, e: LedgerEvent) -> dict[str, Any]:
    """An event as the public may see it: uncleared reveals sealed, the scenario text left out."""
    out = e.as_dict()
    if e.type == "revealed" and e.round > s.cleared_through:
        out["payload"] = {"sealed": True}
    elif e.type == "session_created":
        out["payload"] = {k: v for k, v in out["payload"].items() if k != "scenario"}
    return out
