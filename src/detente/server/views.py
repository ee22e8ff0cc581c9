"""What each reader may see: the public state of a session, a seat's own view, public events.

The public sees the session's record except three things, until the session
closes and everything is public:

- moves not yet cleared: a ``revealed`` event's payload stays sealed until
  its round has cleared, so a seat that has not revealed cannot adapt to one
  that has;
- each party's perception: ``observed`` events are the observer's alone. Its
  own seat sees what it perceived (the acts it saw and its false alarms, all
  alike) without the engine's label of whether each was real, and nothing of
  what it missed;
- the engine's seed, of which ``session_created`` holds only a commitment
  (see ``ledger/seed.py``); ``session_closed`` reveals it.

A seat additionally sees its own commitment and move, its own perception,
trust and payoff, what each of its choices is worth to it this round
(``choices.py``), and the server's clock (to count down to the deadline).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from detente.engine import EventType, available, offerable
from detente.ledger.record import LedgerEvent
from detente.ledger.session import CLOSED, Session, SessionEvent
from detente.server.choices import action_values, offer_values


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
    """The state anyone may read: roadmap, trust, agreements, policies in force (the parties'
    and the institutions' levels), who has moved."""
    c = s.compiled
    levels = s.state.track_level[0]
    success = int(s.state.success_round[0])
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
        "policies": [c.slot_label(k) for k, on in enumerate(s.state.policies_in_force[0]) if on],
        "institutions": [
            level
            for level, on in zip(c.institutions.levels, s.state.institution_levels[0], strict=True)
            if on
        ],
        "tracks": {
            t: (c.track_levels[i][int(levels[i]) - 1] if int(levels[i]) > 0 else None)
            for i, t in enumerate(c.tracks)
        },
        "totals": dict(zip(c.parties, (float(v) for v in s.state.total[0]), strict=True)),
        "discounted": dict(zip(c.parties, (float(v) for v in s.state.discounted[0]), strict=True)),
        "committed": sorted(s.commits),
        "revealed": sorted(p for p in s.moves if p not in s.defaulted),
        "waiting_for": s.waiting_for(),
        "success_round": success if success > 0 else None,
        "success_in_force": bool(s.state.success_in_force[0]),
        "head": {"seq": s.last_seq, "hash": s.head},
    }


def seat_view(s: Session, party: str) -> dict[str, Any]:
    """A seat's view: the public state plus what only this party may know."""
    c = s.compiled
    p = c.parties.index(party)
    avail, offer = available(s.state)[0], offerable(s.state)[0]
    seat = c.seat(party)
    by_com = {m.id: m for m in c.scenario.commitments}
    move = s.moves.get(party)
    in_force = s.state.policies_in_force[0]
    worth, worth_if_cleared = action_values(c, party, in_force), offer_values(c, party, in_force)
    return {
        "party": party,
        "now": datetime.now(UTC).isoformat(),
        "public": public_state(s),
        "own": {
            "commitment": s.commits.get(party),
            "move": None if move is None else move.payload(),
            "defaulted": party in s.defaulted,
        },
        "actions": [
            {
                "id": name,
                "category": c.slot_category[k],
                "intensity": float(c.slot_intensity[k]),
                "available": bool(avail[k]),
                "value": worth[name],
            }
            for name, k in seat.action_slot.items()
        ],
        "commitments": [
            {
                "id": name,
                "action": by_com[name].action,
                "if": list(by_com[name].conditions),
                "description": by_com[name].description,
                "offerable": bool(offer[m]),
                "value": worth_if_cleared[name],
            }
            for name, m in seat.commitment_index.items()
        ],
        "perceived": [c.slot_label(k) for k, seen in enumerate(s.state.perceived[0, p]) if seen],
        "trust": dict(zip(c.parties, (float(v) for v in s.state.trust[0, p]), strict=True)),
        "payoff": s.payoff[p],
    }


def visible_event(s: Session, e: LedgerEvent, party: str | None = None) -> dict[str, Any] | None:
    """An event as the public (or the seat of ``party``) may see it; None when it may not.

    Uncleared reveals are sealed, the scenario text is left out, and until the
    session closes an ``observed`` event is shown to its observer's seat only,
    as a perception: missed acts left out, the seen-or-imagined label dropped.
    """
    out = e.as_dict()
    if e.type == SessionEvent.REVEALED and e.round > s.cleared_through:
        out["payload"] = {"sealed": True}
    elif e.type == SessionEvent.SESSION_CREATED:
        out["payload"] = {k: v for k, v in out["payload"].items() if k != "scenario"}
    elif e.type == EventType.OBSERVED and s.status != CLOSED:
        if party is None or e.party != party or out["payload"].get("kind") == "missed":
            return None
        out["payload"] = {k: v for k, v in out["payload"].items() if k != "kind"}
    return out


def damage(e: LedgerEvent, prev: LedgerEvent | None) -> str | None:
    """What is wrong with a stored event read back (``prev``: the one read before it), if anything.

    The server reads back what it wrote; a row that fails these checks was
    changed in the database behind its back.
    """
    where = f"stored event {e.seq} ({e.type})"
    if e.hash != e.expected_hash():
        return f"{where} does not match its hash: it was altered in the database"
    if prev is not None and (e.prev_hash != prev.hash or e.seq != prev.seq + 1):
        return f"{where} does not follow event {prev.seq} in the hash chain"
    try:
        payload = json.loads(e.payload)
    except ValueError:
        return f"{where} has a payload that is not JSON"
    if not isinstance(payload, dict):
        return f"{where} has a payload that is not a JSON object"
    return None
