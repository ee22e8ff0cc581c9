"""The FastAPI application: routes of the live-session API and the dashboard.

Who may do what: anyone may create a session and read the public state
(observers are read-only); a seat token acts only for its own party, on
paths that name that party; the facilitator's token stalls, resumes and
closes. Tokens travel as ``Authorization: Bearer ...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import secrets
from collections.abc import AsyncIterator
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from detente.ledger.session import Session
from detente.ledger.store import Store
from detente.scenario import builtin_names, builtin_text, parse_yaml
from detente.server import errors, views
from detente.server.access import bearer, facilitator_of, session_in
from detente.server.hub import Hub, warm_engine
from detente.server.limits import BodyLimit
from detente.server.schemas import CreateSession, Reason, SessionId
from detente.server.seats import Authorization, SeatDep, add_seat_routes

TICK = 0.2  # seconds between deadline checks


def create_app(db: str, *, tick: float = TICK) -> FastAPI:
    """The server application on database ``db`` (a path or SQLAlchemy URL)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await run_in_threadpool(Store.open, db)
        hub = Hub(store)
        await run_in_threadpool(hub.restore)
        await run_in_threadpool(warm_engine)
        app.state.hub = hub
        # Startup leaves a few hundred thousand objects that live as long as
        # the process (modules, the compiled engine, restored sessions); every
        # full pass of the garbage collector walked them all, a tenth of a
        # submission's CPU under load. Frozen, the collector skips them.
        gc.collect()
        gc.freeze()
        ticker = asyncio.create_task(_tick(hub, tick))
        try:
            yield
        finally:
            ticker.cancel()
            hub.close()
            store.close()
            gc.unfreeze()

    app = FastAPI(
        title="detente live sessions",
        description="Sealed simultaneous moves, action-for-action clearing, tamper-evident ledger",
        version="1",
        lifespan=lifespan,
        # No OpenTelemetry: FastAPI otherwise asks the global providers on
        # every request whether anyone listens.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    errors.install(app)
    app.add_middleware(BodyLimit)
    add_seat_routes(app)  # first: the router tries routes in order, these are the hot ones
    _api(app)
    _dashboard(app)
    return app


async def _tick(hub: Hub, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await hub.expire_due()


# The dependencies below are ``async def`` on purpose: each is microseconds of
# work, and FastAPI sends a plain ``def`` dependency to the thread pool, a hop
# that under load cost more than the whole request. The hot seat routes do
# not use FastAPI's resolver at all (``seats.py``).
async def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(hub_of)]


async def session_of(request: Request, sid: SessionId) -> Session:
    return session_in(await hub_of(request), sid)


SessionDep = Annotated[Session, Depends(session_of)]


async def token_of(authorization: Authorization = None) -> str:
    return bearer(authorization)


TokenDep = Annotated[str, Depends(token_of)]


async def facilitator(session: SessionDep, token: TokenDep) -> Session:
    return facilitator_of(session, token)


AdminDep = Annotated[Session, Depends(facilitator)]


def _api(app: FastAPI) -> None:
    @app.get("/api/health", summary="Liveness (also the benchmark's no-op)")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/scenarios", summary="Built-in scenarios")
    async def scenarios() -> dict[str, list[str]]:
        return {"scenarios": builtin_names()}

    @app.post("/api/sessions", status_code=201, summary="Create a session; tokens are shown once")
    async def create(body: CreateSession, hub: HubDep) -> dict[str, Any]:
        if body.scenario is not None:
            text = builtin_text(body.scenario)
            source = f"{body.scenario} (built-in)"
        else:
            text, source = body.scenario_yaml or "", "uploaded scenario"
        scenario = parse_yaml(text, source)
        new = await hub.create(
            text,
            tuple(p.id for p in scenario.parties),
            secrets.randbelow(2**31) if body.seed is None else body.seed,
            body.rounds or scenario.rounds,
            body.round_seconds,
        )
        return {
            "session": views.public_state(new.session),
            "admin_token": new.admin_token,
            "seat_tokens": new.seat_tokens,
        }

    @app.get("/api/sessions", summary="All sessions")
    async def list_sessions(hub: HubDep) -> dict[str, Any]:
        items = [views.summary(s) for s in hub.sessions.values()]
        items.sort(key=lambda s: str(s["created_at"]), reverse=True)
        return {"sessions": items}

    @app.get("/api/sessions/{sid}", summary="Public state of a session")
    async def get_session(session: SessionDep) -> dict[str, Any]:
        return views.public_state(session)

    @app.get("/api/sessions/{sid}/scenario", summary="The session's scenario YAML")
    async def get_scenario(session: SessionDep, hub: HubDep) -> PlainTextResponse:
        first = await run_in_threadpool(lambda: next(hub.store.read(session.id)))
        return PlainTextResponse(first.data()["scenario"], media_type="application/yaml")

    @app.get("/api/sessions/{sid}/events", summary="Public events after a sequence number")
    async def events(
        session: SessionDep,
        hub: HubDep,
        after: Annotated[int, Query(ge=-1, le=2**31)] = -1,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> dict[str, Any]:
        rows = await run_in_threadpool(_read, hub, session.id, after, limit)
        return {"events": [views.public_event(session, e) for e in rows]}

    @app.get("/api/sessions/{sid}/stream", summary="Public events as Server-Sent Events")
    async def stream(session: SessionDep, hub: HubDep) -> StreamingResponse:
        return StreamingResponse(_sse(hub, session), media_type="text/event-stream")

    @app.get("/api/whoami", summary="The session and seat of a token")
    async def whoami(hub: HubDep, token: TokenDep) -> dict[str, Any]:
        for s in hub.sessions.values():
            party = s.seat_of(token)
            if party is not None:
                return {"session": s.id, "role": "seat", "party": party}
            if s.is_admin(token):
                return {"session": s.id, "role": "facilitator", "party": None}
        raise HTTPException(401, "unknown token")

    @app.get("/api/sessions/{sid}/seats/{party}", summary="A seat's own view (seat token)")
    async def seat_view(seat: SeatDep) -> dict[str, Any]:
        return views.seat_view(seat.session, seat.party)

    for verb in ("stall", "resume", "close"):
        _admin_route(app, verb)


def _admin_route(app: FastAPI, verb: str) -> None:
    @app.post(
        f"/api/sessions/{{sid}}/{verb}", summary=f"Facilitator: {verb} the session", name=verb
    )
    async def route(session: AdminDep, body: Reason, hub: HubDep) -> dict[str, Any]:
        def command(s: Session, at: Any) -> Any:
            if verb == "stall":
                return s.stall(body.reason)
            if verb == "resume":
                return s.resume(body.reason, at)
            return s.close(body.reason)

        await hub.run(session.id, command)
        return views.public_state(session)


def _read(hub: Hub, sid: str, after: int, limit: int) -> list[Any]:
    out = []
    for e in hub.store.read(sid, after):
        out.append(e)
        if len(out) >= limit:
            break
    return out


async def _sse(hub: Hub, session: Session) -> AsyncIterator[str]:
    """Every new public event of the session, plus a comment every 15 s to keep proxies open."""
    q = hub.subscribe(session.id)
    try:
        yield f": session {session.id} at event {session.last_seq}\n\n"
        while True:
            try:
                e = await asyncio.wait_for(q.get(), timeout=15)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            data = json.dumps(views.public_event(session, e))
            yield f"id: {e.seq}\nevent: ledger\ndata: {data}\n\n"
    finally:
        hub.unsubscribe(session.id, q)


def _dashboard(app: FastAPI) -> None:
    static = resources.files("detente.server") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    page = (static / "index.html").read_text(encoding="utf-8")

    @app.get("/", include_in_schema=False)
    @app.get("/sessions/{sid}", include_in_schema=False)
    @app.get("/sessions/{sid}/seats/{party}", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)
