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
import logging
from collections.abc import AsyncIterator
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from sqlalchemy import text as sql
from starlette.concurrency import run_in_threadpool

from detente.ledger.record import LedgerEvent
from detente.ledger.session import Session
from detente.ledger.store import Store
from detente.scenario import builtin_names, builtin_text
from detente.server import errors, views
from detente.server.access import bearer, facilitator_of, session_in
from detente.server.accesslog import AccessLog
from detente.server.bodies import JsonRoute
from detente.server.headers import SECURITY_HEADERS, StaticAssets
from detente.server.hub import Hub, warm_engine
from detente.server.limits import BodyLimit, CreationRate, ServerLimits, retry_after
from detente.server.schemas import CreateSession, Reason, SessionId
from detente.server.seats import Authorization, SeatDep, add_seat_routes

log = logging.getLogger("detente.server")
TICK = 0.2  # seconds between deadline checks
MAX_BACKOFF = 5.0  # seconds: the longest wait between deadline passes after failures
READY_SECONDS = 2.0  # the readiness check's time limit for the database


def create_app(
    db: str, *, tick: float = TICK, limits: ServerLimits | None = None, api_docs: bool = False
) -> FastAPI:
    """The server application on database ``db`` (a path or SQLAlchemy URL).

    ``api_docs`` serves Swagger UI at ``/docs``; its assets come from a CDN,
    so it is off by default (``/openapi.json`` is always served).
    """
    limits = limits or ServerLimits()
    rate = CreationRate(limits.sessions_per_minute)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await run_in_threadpool(Store.open, db)
        hub = Hub(store, limits)
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
        docs_url="/docs" if api_docs else None,
        redoc_url=None,
    )
    app.router.route_class = JsonRoute
    errors.install(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(AccessLog)  # outermost: it also logs what BodyLimit refuses
    add_seat_routes(app)  # first: the router tries routes in order, these are the hot ones
    _api(app, rate)
    _dashboard(app)
    return app


async def _tick(hub: Hub, every: float) -> None:
    """Clear rounds at their deadlines, for as long as the server runs, whatever fails.

    A pass that fails (the database locked or down) is logged, and the next
    one comes after a wait that doubles up to :data:`MAX_BACKOFF`; the first
    pass that succeeds resets it.
    """
    wait = every
    while True:
        await asyncio.sleep(wait)
        try:
            failed = await hub.expire_due()
        except Exception as err:  # never let the ticker die: deadlines would stop for good
            log.exception("deadline pass failed")
            failed, hub.health.ticker_error = 1, f"{type(err).__name__}: {err}"
        if failed:
            hub.health.ticker = "failing"
            wait = min(wait * 2, MAX_BACKOFF)
        else:
            hub.health.ticker, hub.health.ticker_error = "ok", None
            wait = every


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


def _api(app: FastAPI, rate: CreationRate) -> None:
    @app.get("/api/health", summary="Liveness, and what the server last saw of its database")
    async def health(request: Request) -> dict[str, Any]:
        h = (await hub_of(request)).health  # no dependency: this is the benchmark's no-op
        return {
            "ok": True,
            "database": {"state": h.database, "error": h.database_error},
            "deadlines": {"state": h.ticker, "error": h.ticker_error},
        }

    @app.get("/api/ready", summary="Readiness: the database answers now (503 if not)")
    async def ready(hub: HubDep) -> JSONResponse:
        try:
            await asyncio.wait_for(asyncio.to_thread(_ping, hub.store), READY_SECONDS)
        except Exception as err:
            hub.health.database_failed(err)
            message = errors.database_down(err) if str(err) else "the database did not answer"
            return JSONResponse(
                {"ready": False, "message": message}, 503, headers=retry_after(errors.RETRY_SECONDS)
            )
        hub.health.database_ok()
        return JSONResponse({"ready": True})

    @app.get("/api/scenarios", summary="Built-in scenarios")
    async def scenarios() -> dict[str, list[str]]:
        return {"scenarios": builtin_names()}

    @app.post("/api/sessions", status_code=201, summary="Create a session; tokens are shown once")
    async def create(request: Request, body: CreateSession, hub: HubDep) -> dict[str, Any]:
        client = request.client.host if request.client else "unknown"
        wait = rate.take(client)
        if wait > 0:
            raise HTTPException(
                429,
                f"too many sessions created from {client}: at most "
                f"{rate.per_minute:g} a minute; retry in {wait:.0f} s",
                retry_after(wait),
            )
        if body.scenario is not None:
            text = builtin_text(body.scenario)
            source = f"{body.scenario} (built-in)"
        else:
            text, source = body.scenario_yaml or "", "uploaded scenario"
        compiled = await hub.compile(text, source)
        new = await hub.create(
            text,
            compiled.parties,
            body.seed,
            body.rounds or compiled.scenario.rounds,
            body.round_seconds,
        )
        return {
            "session": views.public_state(new.session),
            "admin_token": new.admin_token,
            "seat_tokens": new.seat_tokens,
            "receipt": new.receipt.as_dict(),
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

    @app.get(
        "/api/sessions/{sid}/events",
        summary="Events after a sequence number, as the public (or the token's seat) may see them",
    )
    async def events(
        session: SessionDep,
        hub: HubDep,
        after: Annotated[int, Query(ge=-1, le=2**31)] = -1,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        authorization: Authorization = None,
    ) -> dict[str, Any]:
        party = session.seat_of(bearer(authorization)) if authorization else None
        rows = await run_in_threadpool(_read, hub, session.id, after, limit)
        shown = (views.visible_event(session, e, party) for e in rows)
        return {"events": [e for e in shown if e is not None]}

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

        done = await hub.run(session.id, command)
        return {**views.public_state(session), "receipt": done.receipt.as_dict()}


def _ping(store: Store) -> None:
    with store.engine.connect() as conn:
        conn.execute(sql("SELECT 1"))


def _read(hub: Hub, sid: str, after: int, limit: int) -> list[LedgerEvent]:
    """Stored events of ``sid`` past ``after``, each checked against its hash and chain.

    A row that does not match (edited in the database under a running server)
    turns the session read-only and is answered 503 naming it, never served.
    """
    out: list[LedgerEvent] = []
    prev: LedgerEvent | None = None
    for e in hub.store.read(sid, after):
        problem = views.damage(e, prev)
        if problem is not None:
            raise hub.damaged(sid, problem)
        out.append(e)
        prev = e
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
            shown = views.visible_event(session, e)
            if shown is not None:
                yield f"id: {e.seq}\nevent: ledger\ndata: {json.dumps(shown)}\n\n"
    finally:
        hub.unsubscribe(session.id, q)


def _dashboard(app: FastAPI) -> None:
    static = resources.files("detente.server") / "static"
    app.mount("/static", StaticAssets(directory=str(static)), name="static")
    page = (static / "index.html").read_text(encoding="utf-8")

    @app.get("/", include_in_schema=False)
    @app.get("/sessions/{sid}", include_in_schema=False)
    @app.get("/sessions/{sid}/seats/{party}", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers=SECURITY_HEADERS)
