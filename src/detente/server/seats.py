"""A seat's submissions (commit, reveal): the hot path of a live session, served lean.

The two routes are declared as FastAPI endpoints, and their signatures are
what the OpenAPI schema documents: the path, the bearer token, the body and
the reply. At run time FastAPI's generic request handling (resolving the
dependency tree, validating each parameter on its own, serialising the reply
through a response model) took more CPU than the submission it served, so
:class:`SeatRoute` runs the endpoint itself: one validation of the path
(against the same annotated types), the token check FastAPI's dependency
makes, one validation of the body, and the reply encoded once by pydantic.
Errors are raised as FastAPI raises them, so their JSON bodies are the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, TypeVar, get_type_hints

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from detente.ledger.session import SessionEvent
from detente.scenario.moves import NamedMove
from detente.server.access import SeatRequest, seat_in
from detente.server.hub import Applied
from detente.server.schemas import (
    Commit,
    CommitAck,
    Party,
    Receipt,
    Reveal,
    RevealAck,
    Round,
    SeatPath,
    SessionId,
)

Authorization = Annotated[str | None, Header()]
In = TypeVar("In")
Out = TypeVar("Out", bound=BaseModel)


async def seat(
    request: Request, sid: SessionId, party: Party, authorization: Authorization = None
) -> SeatRequest:
    """The dependency documenting (and, on other seat routes, resolving) the acting seat."""
    return seat_in(request.app.state.hub, sid, party, authorization)


SeatDep = Annotated[SeatRequest, Depends(seat)]
SeatEndpoint = Callable[[SeatRequest, int, Any], Awaitable[BaseModel]]


async def commit(seat: SeatDep, rnd: Round, body: Commit) -> CommitAck:
    party = seat.party
    done = await seat.hub.run(
        seat.session.id, lambda s, at: s.commit(rnd, party, body.commitment, at)
    )
    return CommitAck(round=rnd, party=party, retry=not done.events, receipt=_receipt(done))


async def reveal(seat: SeatDep, rnd: Round, body: Reveal) -> RevealAck:
    party, move = seat.party, NamedMove(body.actions, body.offers)
    done = await seat.hub.run(
        seat.session.id, lambda s, at: s.reveal(rnd, party, move, body.nonce, at)
    )
    return RevealAck(
        round=rnd,
        party=party,
        retry=not done.events,
        cleared=any(e.type == SessionEvent.ROUND_CLEARED for e in done.events),
        waiting_for=seat.session.waiting_for(),
        receipt=_receipt(done),
    )


def _receipt(done: Applied) -> Receipt:
    r = done.receipt
    return Receipt(session=r.session, seq=r.seq, hash=r.hash)


def _checked(loc: str, validate: Callable[[In], Out], value: In) -> Out:
    """``validate(value)``; its errors raised as FastAPI's, located under ``loc``."""
    try:
        return validate(value)
    except ValidationError as err:
        issues = [{**e, "loc": (loc, *e["loc"])} for e in err.errors(include_url=False)]
        raise RequestValidationError(issues) from None


class SeatRoute(APIRoute):
    """A route whose endpoint takes (seat, round, body): served without FastAPI's resolver."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: SeatEndpoint = self.endpoint
        body_type: type[BaseModel] = get_type_hints(endpoint)["body"]

        async def handle(request: Request) -> Response:
            path = _checked("path", SeatPath.model_validate, request.path_params)
            who = seat_in(
                request.app.state.hub, path.sid, path.party, request.headers.get("authorization")
            )
            body = _checked("body", body_type.model_validate_json, await request.body())
            reply = await endpoint(who, path.rnd, body)
            return Response(reply.model_dump_json(), media_type="application/json")

        return handle


def add_seat_routes(app: FastAPI) -> None:
    """``POST .../rounds/{rnd}/commit`` and ``.../reveal``, served by :class:`SeatRoute`."""
    base = "/api/sessions/{sid}/seats/{party}/rounds/{rnd}"
    for endpoint, summary in ((commit, "Commit a sealed move"), (reveal, "Reveal the move")):
        app.router.add_api_route(
            f"{base}/{endpoint.__name__}",
            endpoint,
            methods=["POST"],
            summary=summary,
            route_class_override=SeatRoute,
        )
