"""SIGKILL in the middle of a round: acknowledged submissions survive, the ledger verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from detente.ledger.moves import NamedMove
from tests.server.live import served
from tests.server.play import Seat, offer_all, seats

SESSIONS = 4


def _verify(db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", "ledger", "verify", db], capture_output=True, text=True
    )


def test_a_killed_server_keeps_every_acknowledged_submission(tmp_path: Path) -> None:
    db = str(tmp_path / "crash.db")
    acked: list[tuple[str, str, Seat, NamedMove]] = []  # (kind, session, seat, move)
    lock = threading.Lock()
    enough = threading.Event()
    with served(db) as (base, proc):
        http = httpx.Client(base_url=base, timeout=30)
        games = [
            seats(http, http.post("/api/sessions", json={"scenario": "korea", "seed": i}).json())
            for i in range(SESSIONS)
        ]
        plans = [(s, offer_all(s)) for g in games for p, s in g.items() if p != "ROK"]

        def submit(seat: Seat, move: NamedMove) -> None:
            client = httpx.Client(base_url=base, timeout=30)
            nonces = seat.nonces
            seat = Seat(client, seat.session, seat.party, seat.token)
            seat.nonces = nonces
            try:
                for kind in ("commit", "reveal"):
                    r = getattr(seat, kind)(1, move)
                    if r.status_code != 200:
                        return
                    with lock:
                        acked.append((kind, seat.session, seat, move))
                        if len(acked) >= 12:
                            enough.set()
            except httpx.TransportError:
                return  # in flight when the server died: never acknowledged

        threads = [threading.Thread(target=submit, args=plan) for plan in plans]
        for th in threads:
            th.start()
        enough.wait(60)
        os.kill(proc.pid, signal.SIGKILL)
        for th in threads:
            th.join(30)
        proc.wait()
    with lock:
        survivors = list(acked)
    assert len(survivors) >= 12
    assert len(survivors) < 2 * len(plans), "the kill came too late to catch anything in flight"
    check = _verify(db)
    assert check.returncode == 0, check.stderr

    with served(db) as (base, _):
        http = httpx.Client(base_url=base, timeout=30)
        for kind, _sid, seat, move in survivors:
            own = Seat(http, seat.session, seat.party, seat.token).view()["own"]
            assert own["commitment"] is not None
            if kind == "reveal":
                assert own["move"] == move.payload()
        for game in games:  # complete the round: every seat commits (again) and reveals
            for seat in game.values():
                s = Seat(http, seat.session, seat.party, seat.token)
                s.nonces = seat.nonces
                move = offer_all(s)
                assert s.commit(1, move).status_code == 200
                r = s.reveal(1, move)
                assert r.status_code == 200, r.text
            sid = next(iter(game.values())).session
            assert http.get(f"/api/sessions/{sid}").json()["round"] == 2
    check = _verify(db)
    assert check.returncode == 0, check.stderr
    assert f"{SESSIONS} of {SESSIONS} session(s) verified" in check.stdout
