"""Ledgers and attribution: ``by`` in ``stalled`` events from events version 3 on.

A ledger written before (version 2, or none) recorded ``stalled`` without
``by``; its audit re-runs each round and compares the events exactly, so the
replay must record them as that ledger did, and a new ledger must hold ``by``.
"""

from __future__ import annotations

import json

import pytest

from detente.ledger.audit import fold
from detente.ledger.errors import ReplayError
from detente.ledger.record import LedgerEvent
from detente.ledger.session import EVENTS_VERSION
from tests.ledger.test_event_versions import SECRET, _created, _play

# A's act stalls the process; a round without it resumes it.
SCENARIO = """
id: blame
parties: [{id: A}, {id: B}]
actions:
  - {id: act, actors: [A], category: provocation, intensity: -2}
roadmap:
  stages:
    - id: only
      breakdown: [{id: acted, when: {executed: [A.act]}, then: stall}]
  resume: [{calm_rounds: 1}]
  success: {hold_rounds: 3}
"""


def _stalls(log: list[LedgerEvent]) -> list[dict[str, object]]:
    return [json.loads(e.payload) for e in log if e.type == "stalled"]


def test_a_new_ledger_records_who_triggered_a_stall_and_replays() -> None:
    log = _play(_created(EVENTS_VERSION, SCENARIO), [True, False, True])
    assert EVENTS_VERSION == 3
    assert _stalls(log) == [{"stage": "only", "cause": "only.acted", "by": ["A"]}] * 2
    assert fold(log, SECRET).cleared_through == 3


@pytest.mark.parametrize("version", [None, 2])
def test_a_ledger_from_before_attribution_records_no_by_and_still_audits(
    version: int | None,
) -> None:
    log = _play(_created(version, SCENARIO), [True, False, True])
    assert _stalls(log) == [{"stage": "only", "cause": "only.acted"}] * 2
    assert fold(log, SECRET).cleared_through == 3


def test_a_new_ledger_whose_stall_lost_its_by_does_not_audit() -> None:
    log = _play(_created(EVENTS_VERSION, SCENARIO), [True])
    (at,) = [i for i, e in enumerate(log) if e.type == "stalled"]
    e = log[at]
    stripped = LedgerEvent.make(
        e.session,
        e.seq,
        e.type,
        e.round,
        e.party,
        {"stage": "only", "cause": "only.acted"},
        e.at,
        e.prev_hash,
    )
    with pytest.raises(ReplayError, match="differs from the replay"):
        fold([*log[:at], stripped], SECRET)
