"""``detente serve``: the server under uvicorn, one process, one event loop.

Once it listens, the server says where (its URL) and on which database (a
path, or a URL with its password hidden), on stdout; then one access-log
line per request (``accesslog.py``) at ``info``, and the server's warnings
and errors, in the format of :data:`LOG_FORMAT`.
"""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path
from typing import Literal

import uvicorn
from sqlalchemy.engine import make_url

from detente.server.app import create_app
from detente.server.limits import ServerLimits
from detente.server.protocol import JoinedWritesProtocol

DEFAULT_DB = "detente.db"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LogLevel = Literal["debug", "info", "warning", "error"]
LOG_LEVELS: tuple[LogLevel, ...] = ("debug", "info", "warning", "error")
WILDCARDS = {"0.0.0.0", "::", ""}  # host names that mean every interface


def shown_database(db: str) -> str:
    """The database as the server may print it: a file's absolute path, a URL without password."""
    if "://" not in db:
        return str(Path(db).resolve())
    return make_url(db).render_as_string(hide_password=True)


def url_of(host: str, port: int) -> str:
    """The URL a browser on this machine opens for a server on ``host:port``."""
    if host in WILDCARDS:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class AnnouncedServer(uvicorn.Server):
    """uvicorn's server, which prints its URL and database once it accepts connections."""

    def __init__(self, config: uvicorn.Config, db: str) -> None:
        super().__init__(config)
        self.db = db

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started or self.should_exit:
            return
        port = self.servers[0].sockets[0].getsockname()[1]  # the bound one, also for --port 0
        listening = self.config.host
        where = f" (listening on every interface, {listening})" if listening in WILDCARDS else ""
        print(f"detente serving on {url_of(listening, port)}{where}", flush=True)
        print(f"database: {shown_database(self.db)}", flush=True)


def configure_logging(level: LogLevel) -> None:
    """The server's log (access lines included) on stdout at ``level`` and above."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
    logger = logging.getLogger("detente")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def serve(
    db: str = DEFAULT_DB,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: ServerLimits | None = None,
    api_docs: bool = False,
    log_level: LogLevel = "info",
) -> None:
    """Run until interrupted; every acknowledged submission is already on disk."""
    configure_logging(log_level)
    config = uvicorn.Config(
        create_app(db, limits=limits, api_docs=api_docs),
        host=host,
        port=port,
        http=JoinedWritesProtocol,
        log_level="debug" if log_level == "debug" else "warning",
        access_log=False,
    )
    AnnouncedServer(config, db).run()
