"""JSON request bodies that are too deeply nested, or not UTF-8, answered 422 like any bad JSON.

FastAPI parses a JSON body with ``json.loads``; a body nested a few thousand
levels deep raises ``RecursionError`` there (and bytes that are not UTF-8 a
``UnicodeDecodeError``), which FastAPI answers 400 "There was an error
parsing the body", unlike every other malformed body (422 with where and
what). Routes of this class read the body through a request that reports
both as the JSON error they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class _JsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body)
            except RecursionError:
                raise json.JSONDecodeError("nested too deeply", "", 0) from None
            except UnicodeDecodeError as err:
                raise json.JSONDecodeError(f"not UTF-8 ({err.reason})", "", err.start) from None
        return self._json


class JsonRoute(APIRoute):
    """An API route whose JSON body errors are all 422 (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(_JsonRequest(request.scope, request.receive))

        return handle
