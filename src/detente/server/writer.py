"""Group commit: one database transaction for all the appends that arrive together.

A durable commit costs an fsync, which dominates the time of a submission.
Requests hand their events to one writer thread and wait; the thread takes
everything queued since its last commit and writes it in one transaction, so
64 concurrent seats share one fsync instead of paying one each. Nobody is
answered before the transaction holding its events has committed.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass

from detente.ledger.record import LedgerEvent
from detente.ledger.store import Store

Outcome = BaseException | None  # how a job ended: None when its events are committed


@dataclass(frozen=True)
class _Job:
    events: list[LedgerEvent]
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop


class GroupWriter:
    """Appends events to a store from a single thread, batching concurrent callers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    async def write(self, events: list[LedgerEvent]) -> None:
        """Return once ``events`` are committed; raise what the database raised otherwise."""
        loop = asyncio.get_running_loop()
        job = _Job(events, loop.create_future(), loop)
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
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Job]) -> None:
        try:
            self.store.append([e for job in batch for e in job.events])
            outcomes: list[Outcome] = [None] * len(batch)
        except Exception:  # one bad job must not fail the others: retry each alone
            outcomes = [self._commit_one(job) for job in batch]
        # One wake-up of each event loop per batch, not one per job: every
        # call_soon_threadsafe writes to the loop's self-pipe.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], Outcome]]] = {}
        for job, error in zip(batch, outcomes, strict=True):
            by_loop.setdefault(job.loop, []).append((job.future, error))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle, settled)

    def _commit_one(self, job: _Job) -> Outcome:
        try:
            self.store.append(job.events)
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
