"""A live session of a scenario with an institution: votes are moves, the tally is folded.

Played over the HTTP API, then folded from the ledger (what a restart and an
audit do): a veto is recorded in ``resolution_voted`` and re-derived.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from detente.scenario.moves import NamedMove
from detente.server.app import create_app
from tests.ledger.test_policies_live import _play, audited
from tests.server.play import seats

SCENARIO = (Path(__file__).parents[1] / "engine" / "council.yaml").read_text()


def test_votes_are_played_live_and_the_tally_folds_from_the_ledger(db_url: str) -> None:
    with TestClient(create_app(db_url)) as http:
        created = http.post("/api/sessions", json={"scenario_yaml": SCENARIO, "seed": 5}).json()
        sid = created["session"]["id"]
        all_seats = seats(http, created)
        assert "embargo.against" in {x["id"] for x in all_seats["P2"].view()["actions"]}
        vote = {
            "P1": NamedMove(["embargo.in_favour"]),
            "P2": NamedMove(["embargo.against"]),
            "E": NamedMove(["embargo.in_favour"]),
            "T": NamedMove(),
        }
        _play(all_seats, 1, vote)
        _play(all_seats, 2, vote | {"P2": NamedMove(["embargo.abstain"])})
        assert http.get(f"/api/sessions/{sid}").json()["institutions"] == []
        tighten = NamedMove(["tighten.in_favour"])
        _play(all_seats, 3, {"P1": tighten, "P2": tighten, "E": tighten, "T": NamedMove()})
        assert http.get(f"/api/sessions/{sid}").json()["institutions"] == [
            "UNSC.sanctions.targeted"
        ]
    events, session = audited(db_url, sid)
    assert session.cleared_through == 3
    voted = [
        (e.round, p["result"], p["vetoed_by"])
        for e, p in ((e, json.loads(e.payload)) for e in events)
        if e.type == "resolution_voted"
    ]
    assert voted == [(1, "vetoed", ["P2"]), (2, "rejected", []), (3, "adopted", [])]  # 8 < 9
    assert session.state.institution_level("UNSC.sanctions")[0] == 0
