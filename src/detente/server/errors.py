"""Every error as a JSON body ``{"message": ..., "issues": [...]?}`` that says what was wrong.

A request the server cannot serve *now* (the database is down or locked, a
session's ledger does not match what the server wrote) is answered 503 with
the reason, and with ``Retry-After`` when waiting may help; nothing is
appended, and a retry of the same submission is safe (submissions are
idempotent).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as db
from starlette.exceptions import HTTPException

from detente.ledger.errors import RefusedError
from detente.scenario import ScenarioError
from detente.scenario.errors import MAX_VALUE, bounded_repr, format_path
from detente.server.limits import retry_after

log = logging.getLogger("detente.server")
RETRY_SECONDS = 2.0  # what a 503 for a database fault asks a client to wait


class UnavailableError(Exception):
    """This request cannot be served now: 503, with ``Retry-After`` when a wait may help."""

    def __init__(self, message: str, retry: float | None = RETRY_SECONDS) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


def transient(err: BaseException) -> bool:
    """Whether a database error may pass by itself (locked, unreachable, restarting)."""
    return isinstance(
        err, db.OperationalError | db.InterfaceError | db.TimeoutError | db.DisconnectionError
    )


def _where(loc: tuple[Any, ...]) -> str:
    return format_path([p for p in loc if isinstance(p, str | int)])


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid" and "error" in error.get("ctx", {}):
        return f"invalid JSON: {error['ctx']['error']}"
    return str(error["msg"])


async def _validation(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    issues = [{"where": _where(tuple(e["loc"])), "message": _message(e)} for e in err.errors()]
    first = "; ".join(f"{i['where']}: {i['message']}" for i in issues[:3])
    return JSONResponse({"message": f"invalid request: {first}", "issues": issues}, status_code=422)


async def _http(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, HTTPException)
    return JSONResponse(
        {"message": str(err.detail)}, status_code=err.status_code, headers=err.headers
    )


async def _refused(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RefusedError)
    return JSONResponse({"message": err.message}, status_code=err.status)


async def _scenario(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ScenarioError)
    issues = [
        {"path": i.path, "message": i.message, "value": _plain(i.value) if i.has_value else None}
        for i in err.issues
    ]
    shown = "; ".join(i.render(err.source) for i in err.issues[:3])
    more = f" (and {err.count - 3:,} more)" if err.count > 3 else ""
    return JSONResponse({"message": shown + more, "issues": issues}, status_code=422)


def _plain(value: Any) -> Any:
    """A value as JSON can carry it, bounded: short strings, booleans and small integers as
    they are, anything else as its (bounded) repr."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and len(value) <= MAX_VALUE:
        return value
    if isinstance(value, int) and abs(value) < 2**53:
        return value
    return bounded_repr(value)


async def _unavailable(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, UnavailableError)
    headers = retry_after(err.retry) if err.retry is not None else None
    return JSONResponse({"message": err.message}, status_code=503, headers=headers)


async def _database(request: Request, err: Exception) -> JSONResponse:
    """A database error outside the ledger's writes (a read): 503 when it may pass."""
    if transient(err):
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path, err)
        return await _unavailable(request, UnavailableError(database_down(err)))
    return await _internal(request, err)


def database_down(err: BaseException) -> str:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return f"the database is unavailable ({first[:200]}); retry shortly"


async def _internal(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse({"message": "internal server error (see the server log)"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RefusedError, _refused)
    app.add_exception_handler(ScenarioError, _scenario)
    app.add_exception_handler(UnavailableError, _unavailable)
    app.add_exception_handler(db.SQLAlchemyError, _database)
    app.add_exception_handler(Exception, _internal)
