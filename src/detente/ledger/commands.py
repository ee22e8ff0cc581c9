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
from detente.ledger.receipts import ReceiptCheck, ReceiptsError, load_receipts
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


def run_verify(
    db: str, session: str | None, out: TextIO = sys.stdout, receipts: str | None = None
) -> int:
    """Check chains and replays; print the first bad event of each session. Exit code 1 if any.

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
        count, problems = verify(events)
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
