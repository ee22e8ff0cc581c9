"""Every error as a JSON body ``{"message": ..., "issues": [...]?}`` that says what was wrong."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from detente.ledger.errors import RefusedError
from detente.scenario import ScenarioError
from detente.scenario.errors import format_path


def _where(loc: tuple[Any, ...]) -> str:
    return format_path([p for p in loc if isinstance(p, str | int)])


async def _validation(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    issues = [{"where": _where(tuple(e["loc"])), "message": e["msg"]} for e in err.errors()]
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
    more = f" (and {len(err.issues) - 3} more)" if len(err.issues) > 3 else ""
    return JSONResponse({"message": shown + more, "issues": issues}, status_code=422)


def _plain(value: Any) -> Any:
    """A value as JSON can carry it: strings, integers and booleans as they are, else repr."""
    return value if isinstance(value, str | int | bool) or value is None else repr(value)


async def _internal(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse({"message": "internal server error (see the server log)"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RefusedError, _refused)
    app.add_exception_handler(ScenarioError, _scenario)
    app.add_exception_handler(Exception, _internal)
