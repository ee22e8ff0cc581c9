"""``detente serve``: the server under uvicorn, one process, one event loop."""

from __future__ import annotations

import uvicorn

from detente.server.app import create_app
from detente.server.limits import ServerLimits
from detente.server.protocol import JoinedWritesProtocol

DEFAULT_DB = "detente.db"


def serve(
    db: str = DEFAULT_DB,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: ServerLimits | None = None,
    api_docs: bool = False,
) -> None:
    """Run until interrupted; every acknowledged submission is already on disk."""
    uvicorn.run(
        create_app(db, limits=limits, api_docs=api_docs),
        host=host,
        port=port,
        http=JoinedWritesProtocol,
        log_level="warning",
        access_log=False,
    )
