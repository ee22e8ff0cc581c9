"""The ``detente ledger`` commands: verify a stored ledger, export it as JSON Lines.

Both open the database read-only (:meth:`Store.open_readonly`): auditing a
ledger changes nothing in it or beside it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from detente.ledger.audit import verify
from detente.ledger.receipts import ReceiptCheck, ReceiptsError, load_receipts
from detente.ledger.store import Store, StoreChangedError


class LedgerOpenError(Exception):
    """The database cannot be read as a ledger: which and why."""


@contextmanager
def _reading(db: str) -> Iterator[Store]:
    """An existing ledger database, read-only (never created: auditing must not change anything)."""
    if "://" not in db and not Path(db).is_file():
        raise LedgerOpenError(f"{db}: no such database file")
    try:
        store = Store.open_readonly(db)
    except (ValueError, OSError, StoreChangedError, SQLAlchemyError) as err:
        raise LedgerOpenError(f"{db}: cannot open the ledger: {err}") from None
    try:
        yield store
    except StoreChangedError as err:
        raise LedgerOpenError(str(err)) from None
    except SQLAlchemyError as err:
        raise LedgerOpenError(
            f"{db}: cannot read the ledger: {type(err).__name__}: {err}{_hint(err)}"
        ) from None
    finally:
        store.close()


def _hint(err: SQLAlchemyError) -> str:
    if getattr(getattr(err, "orig", None), "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK":
        return " (a hot journal: a writer must open the database once to roll it back)"
    return ""


def run_verify(
    db: str, session: str | None, out: TextIO = sys.stdout, receipts: str | None = None
) -> int:
    """Check chains, seeds, replays and ends; print the first bad event of each session.

    Exit code 1 if any. The seeds kept beside the ledger replay its open sessions.

    With ``receipts`` (a JSON Lines file), also check that the ledger still
    holds every event the receipts vouch for, with the hash they name (only
    those of ``session`` when given). A malformed file raises ReceiptsError
    before the ledger is read.
    """
    check = None
    if receipts is not None:
        records = [r for r in load_receipts(receipts) if session is None or r.session == session]
        if not records:
            of = f" of session {session}" if session else ""
            raise ReceiptsError(f"{receipts}: no receipts{of} to check")
        check = ReceiptCheck(records)
    with _reading(db) as store:
        events = store.read(session) if check is None else check.watch(store.read(session))
        count, problems = verify(events, store.secrets())
    for problem in problems:
        sys.stderr.write(f"FAILED: {problem.render()}\n")
    failures = [] if check is None else check.failures()
    for failure in failures:
        sys.stderr.write(f"FAILED: {failure.render(str(receipts))}\n")
    if count == 0:
        what = f"session {session}" if session else "any session"
        sys.stderr.write(f"{db}: no events of {what}\n")
        return 1
    summary = f"{count - len(problems)} of {count} session(s) verified (chain and replay)"
    if check is not None:
        checked = len(check.receipts)
        summary += f"; {checked - len(failures)} of {checked} receipt(s) matched"
    out.write(summary + "\n")
    return 1 if problems or failures else 0


def run_export(db: str, session: str | None, out: TextIO = sys.stdout) -> int:
    """Every event as one JSON object per line, in ledger order, hashes included."""
    with _reading(db) as store:
        for event in store.read(session):
            out.write(json.dumps(event.as_dict(), sort_keys=True, ensure_ascii=False) + "\n")
    return 0
