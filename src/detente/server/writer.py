"""Group commit: one database transaction for all the appends that arrive together.

A durable commit costs an fsync, which dominates the time of a submission.
Requests hand their events to one writer thread and wait; the thread takes
everything queued since its last commit and writes it in one transaction, so
64 concurrent seats share one fsync instead of paying one each. Nobody is
answered before the transaction holding its events has committed.

When a batch fails because of one job (a session whose stored chain is not
the one the server extends, see ``Store.append``), each job is retried alone
so the others still land; when the database itself fails (locked,
unreachable), every job of the batch gets that error at once, without a
second wait.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from detente.ledger.record import LedgerEvent
from detente.ledger.seed import SeedSecret
from detente.ledger.store import Store
from detente.server.errors import transient

log = logging.getLogger("detente.server")
Outcome = BaseException | None  # how a job ended: None when its events are committed


@dataclass(frozen=True)
class _Job:
    events: list[LedgerEvent]
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop
    secrets: Mapping[str, SeedSecret] = field(default_factory=dict)


class GroupWriter:
    """Appends events to a store from a single thread, batching concurrent callers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    async def write(
        self, events: list[LedgerEvent], secrets: Mapping[str, SeedSecret] | None = None
    ) -> None:
        """Return once ``events`` (and new sessions' ``secrets``) are committed; else raise.

        The error raised is the database's, or the store's ``ChainMismatchError``.
        """
        loop = asyncio.get_running_loop()
        job = _Job(events, loop.create_future(), loop, secrets or {})
        self._queue.put(job)
        await job.future

    def close(self) -> None:
        """Finish the queued writes and stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = [first], False
            while not stop:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                else:
                    batch.append(job)
            try:
                self._commit(batch)
            except Exception:  # the thread must outlive any error, or every write hangs
                log.exception("the ledger writer failed to answer a batch of %d", len(batch))
            if stop:
                return

    def _commit(self, batch: list[_Job]) -> None:
        try:
            self.store.append(
                [e for job in batch for e in job.events],
                {sid: s for job in batch for sid, s in job.secrets.items()},
            )
            outcomes: list[Outcome] = [None] * len(batch)
        except Exception as err:
            if transient(err):  # the database, not a job: all fail alike, no second wait
                outcomes = [err] * len(batch)
            else:  # one bad job must not fail the others: retry each alone
                outcomes = [self._commit_one(job) for job in batch]
        # One wake-up of each event loop per batch, not one per job: every
        # call_soon_threadsafe writes to the loop's self-pipe.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], Outcome]]] = {}
        for job, error in zip(batch, outcomes, strict=True):
            by_loop.setdefault(job.loop, []).append((job.future, error))
        for loop, settled in by_loop.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, settled)

    def _commit_one(self, job: _Job) -> Outcome:
        try:
            self.store.append(job.events, job.secrets)
        except Exception as err:
            return err
        return None


def _settle(settled: list[tuple[asyncio.Future[None], Outcome]]) -> None:
    """Answer the waiters of one batch (in their loop's thread; a hung-up one is skipped)."""
    for future, error in settled:
        if future.cancelled():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
