"""Six program seats play korea over HTTP; the result is the engine's, and the simulator's."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from detente.engine import CounterRNG, compile_scenario, initial_state, step
from detente.ledger.commands import run_verify
from detente.ledger.moves import submissions
from detente.ledger.record import canonical_json
from detente.ledger.store import Store
from detente.players.bot import play
from detente.scenario import load_scenario
from detente.scenario.moves import NamedMove
from detente.simulate import simulate
from detente.simulate.profile import DEFAULT_PROFILES
from tests.server.live import served

SEED, ROUNDS = 11, 8


def test_six_bots_over_http_reach_the_engine_state(tmp_path: Path) -> None:
    db = str(tmp_path / "e2e.db")
    profile = DEFAULT_PROFILES["korea"]
    with served(db) as (base, _):
        created = httpx.post(
            f"{base}/api/sessions", json={"scenario": "korea", "seed": SEED, "rounds": ROUNDS}
        ).json()
        sid = created["session"]["id"]
        finals: dict[str, Any] = {}
        kept = tmp_path / "dprk-receipts.jsonl"

        def seat(party: str, token: str) -> None:
            with kept.open("a") as receipts:
                out = receipts if party == "DPRK" else None
                finals[party] = play(base, token, profile[party], SEED, receipts=out)

        threads = [
            threading.Thread(target=seat, args=(p, t)) for p, t in created["seat_tokens"].items()
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        assert set(finals) == set(profile)
        public = httpx.get(f"{base}/api/sessions/{sid}").json()
    acks = [json.loads(line) for line in kept.read_text().splitlines()]
    assert len(acks) == 2 * ROUNDS  # a commit and a reveal a round, each with its receipt
    assert all(a["receipt"]["session"] == sid for a in acks)
    assert run_verify(db, sid, io.StringIO(), receipts=str(kept)) == 0
    assert public["status"] == "closed"
    assert public["cleared_through"] == ROUNDS

    store = Store.open(db)
    events = list(store.read(sid))
    store.close()
    assert not [e for e in events if e.type == "defaulted"]
    compiled = compile_scenario(load_scenario("korea"))
    state, rng = initial_state(compiled, 1), CounterRNG(SEED)
    for rnd in range(1, ROUNDS + 1):
        moves = {
            e.party: NamedMove.from_payload(e.data())
            for e in events
            if e.type == "revealed" and e.round == rnd and e.party
        }
        state, step_events = step(state, submissions(compiled, moves), rng)
        cleared = next(
            i for i, e in enumerate(events) if e.type == "round_cleared" and e.round == rnd
        )
        expected = [(e.type, e.party, canonical_json(e.payload)) for e in step_events.records(0)]
        recorded = [
            (e.type, e.party, e.payload) for e in events[cleared + 1 : cleared + 1 + len(expected)]
        ]
        assert recorded == expected
    trust = state.trust[0]
    served_trust = np.array(
        [[public["trust"][i][j] for j in compiled.parties] for i in compiled.parties]
    )
    np.testing.assert_array_equal(served_trust, trust)
    assert public["stage"] == compiled.stages[int(state.stage[0])]
    assert list(public["totals"].values()) == state.total[0].tolist()

    # The bots saw what the simulator shows its strategies: same path, same seed.
    sim = simulate(compiled, profile, episodes=1, rounds=ROUNDS, seed=SEED, trajectories=True)
    assert sim.final_stage[0] == state.stage[0]
    assert sim.trajectories is not None
    np.testing.assert_allclose(sim.trajectories.trust[0, -1], trust, rtol=1e-6)
