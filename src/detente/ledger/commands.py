"""The ``detente ledger`` commands: verify a stored ledger, export it as JSON Lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from detente.ledger.audit import verify
from detente.ledger.store import Store


class LedgerOpenError(Exception):
    """The database cannot be read as a ledger: which and why."""


@contextmanager
def _reading(db: str) -> Iterator[Store]:
    """An existing ledger database (never created: auditing must not change anything)."""
    if "://" not in db and not Path(db).is_file():
        raise LedgerOpenError(f"{db}: no such database file")
    store = Store.open(db, migrate=False)
    try:
        yield store
    except SQLAlchemyError as err:
        raise LedgerOpenError(
            f"{db}: cannot read the ledger: {type(err).__name__}: {err}"
        ) from None
    finally:
        store.close()


def run_verify(db: str, session: str | None, out: TextIO = sys.stdout) -> int:
    """Check chains and replays; print the first bad event of each session. Exit code 1 if any."""
    with _reading(db) as store:
        count, problems = verify(store.read(session))
    if count == 0:
        what = f"session {session}" if session else "any session"
        sys.stderr.write(f"{db}: no events of {what}\n")
        return 1
    for problem in problems:
        sys.stderr.write(f"FAILED: {problem.render()}\n")
    out.write(f"{count - len(problems)} of {count} session(s) verified (chain and replay)\n")
    return 1 if problems else 0


def run_export(db: str, session: str | None, out: TextIO = sys.stdout) -> int:
    """Every event as one JSON object per line, in ledger order, hashes included."""
    with _reading(db) as store:
        for event in store.read(session):
            out.write(json.dumps(event.as_dict(), sort_keys=True, ensure_ascii=False) + "\n")
    return 0
