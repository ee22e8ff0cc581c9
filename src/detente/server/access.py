"""Who may do what: the session a path names, the bearer token, the seat or facilitator it is.

Plain functions of the hub and the request's values, shared by FastAPI's
dependencies (``app.py``) and the lean seat routes (``seats.py``), so both
refuse with the same statuses and messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException

from detente.ledger.session import Session
from detente.server.hub import Hub, token_hash


def session_in(hub: Hub, sid: str) -> Session:
    """The session ``sid``: 503 when it failed verification, 404 when there is none."""
    if sid in hub.broken:
        raise HTTPException(
            503, f"session {sid} failed verification and is not served: {hub.broken[sid]}"
        )
    try:
        return hub.sessions[sid]
    except KeyError:
        raise HTTPException(404, f"no session {sid}") from None


def bearer(authorization: str | None) -> str:
    """The SHA-256 of the bearer token; 401 when there is none."""
    if authorization is None or not authorization.startswith("Bearer ") or len(authorization) < 8:
        raise HTTPException(
            401,
            "missing token: send 'Authorization: Bearer <token>'",
            {"WWW-Authenticate": "Bearer"},
        )
    return token_hash(authorization.removeprefix("Bearer ").strip())


@dataclass(frozen=True)
class SeatRequest:
    """A request made by a seat for its own party."""

    hub: Hub
    session: Session
    party: str


def seat_in(hub: Hub, sid: str, party: str, authorization: str | None) -> SeatRequest:
    """The seat of ``party`` when the token is its own; 403 when another's, 401 when unknown."""
    session = session_in(hub, sid)
    token = bearer(authorization)
    if party not in session.seats:
        raise HTTPException(404, f"session {session.id} has no party {party}")
    holder = session.seat_of(token)
    if holder == party:
        return SeatRequest(hub, session, party)
    if holder is not None:
        raise HTTPException(
            403, f"this token is the seat of {holder}; it cannot act or read for {party}"
        )
    if session.is_admin(token):
        raise HTTPException(
            403, f"the facilitator's token cannot act or read for the seat of {party}"
        )
    raise HTTPException(401, f"unknown token for session {session.id}")


def facilitator_of(session: Session, token: str) -> Session:
    """The session when ``token`` (hashed) is its facilitator's; 403 for a seat's, else 401."""
    if session.is_admin(token):
        return session
    if session.seat_of(token) is not None:
        raise HTTPException(403, "only the facilitator's token may do this, not a seat's")
    raise HTTPException(401, f"unknown token for session {session.id}")
