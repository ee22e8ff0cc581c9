"""Regenerate tests/golden/korea_record.json: how every bundled event maps onto korea.

    python scripts/record_golden.py

One entry per event of the bundled record (its row, date, actors, code) with
what it became: the round and the party moves it is part of, or the reason it
maps to nothing; then the moves of every round and the choices made. CI
compares the mapping with this file, so a change to the record, the mapping
file or the mapping code shows in the diff of the golden file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from detente.record.events import bundled_record
from detente.record.mapping import map_record, mapping_rows
from detente.record.rules import load_mapping
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "korea_record.json"


def golden() -> dict[str, Any]:
    """The mapping of the bundled korea record, by month, as JSON-ready data."""
    compiled = compile_scenario(load_scenario("korea"))
    record = bundled_record("korea")
    mapped = map_record(compiled, record, load_mapping("korea.mapping.yaml", compiled))
    reasons = {e.row: why for e, why in mapped.unmapped}
    became: dict[int, list[str]] = {}
    rounds: dict[int, int] = {}
    for rnd in mapped.rounds:
        for e in rnd.events:
            rounds[e.row] = rnd.index
        for key, events in rnd.origins.items():
            for e in events:
                became.setdefault(e.row, []).append(key)
    events = [
        {
            "row": e.row,
            "event": e.label(),
            "round": rounds.get(e.row),
            "became": sorted(became.get(e.row, [])) if e.row not in reasons else [],
            "unmapped": reasons.get(e.row),
        }
        for e in record.events
    ]
    moves = [
        {k: v for k, v in row.items() if k in ("round", "start", "party", "actions", "offers")}
        for row in mapping_rows(mapped)
    ]
    notes = [{"round": r.index, "note": n} for r in mapped.rounds for n in r.notes]
    return {"events": events, "moves": moves, "notes": notes}


if __name__ == "__main__":
    OUTPUT.write_text(json.dumps(golden(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
