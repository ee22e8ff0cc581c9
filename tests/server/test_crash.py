"""SIGKILL under load: acknowledged submissions survive, the ledger verifies, play goes on.

Every seat of several korea sessions plays round after round at once (view,
commit, reveal, wait for the clearing), so at the kill the sessions stand in
different rounds, with commits, reveals and clearings in flight. A commit or
reveal answered 200 is durable; one in flight at the kill may or may not
have landed, and the test asks nothing of it. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx

from detente.ledger.moves import commitment_hash
from detente.ledger.store import Store
from detente.scenario.moves import NamedMove
from tests.server.live import served
from tests.server.play import HttpSeat, create, seats

SESSIONS = 6  # korea: six seats each, all playing at once
KILL_AFTER = 150  # acknowledged submissions before the kill


@dataclass(frozen=True)
class Ack:
    kind: str  # "commit" or "reveal"
    session: str
    party: str
    round: int


class Load:
    """What the seats' threads share: moves chosen, acknowledgements, surprises."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acked: list[Ack] = []
        self.moves: dict[tuple[str, str, int], NamedMove] = {}  # (session, party, round)
        self.errors: list[str] = []  # any answer but 200, or an exception, before the kill
        self.cut_off = 0  # threads stopped by the dead server
        self.enough = threading.Event()

    def ack(self, a: Ack) -> None:
        with self.lock:
            self.acked.append(a)
            if len(self.acked) >= KILL_AFTER:
                self.enough.set()


def _play(base: str, seat: HttpSeat, load: Load) -> None:
    """Play ``seat`` round after round until the server dies."""
    with httpx.Client(base_url=base, timeout=30) as client:
        me = HttpSeat(client, seat.session, seat.party, seat.token)
        me.nonces = seat.nonces  # shared: the test completes the round with the same nonce
        try:
            played = 0
            while True:
                view = client.get(
                    f"/api/sessions/{me.session}/seats/{me.party}",
                    headers={"Authorization": f"Bearer {me.token}"},
                )
                if view.status_code != 200:
                    load.errors.append(f"view {view.status_code}: {view.text}")
                    return
                mine = view.json()
                rnd = int(mine["public"]["round"])
                if rnd == played:  # revealed; the round clears when the last seat reveals
                    time.sleep(0.05)
                    continue
                offers = [m["id"] for m in mine["commitments"] if m["offerable"]]
                move = NamedMove([], offers)
                load.moves[(me.session, me.party, rnd)] = move
                for kind in ("commit", "reveal"):
                    r = getattr(me, kind)(rnd, move)
                    if r.status_code != 200:
                        load.errors.append(f"{kind} {me.party} {rnd}: {r.status_code} {r.text}")
                        return
                    load.ack(Ack(kind, me.session, me.party, rnd))
                played = rnd
        except httpx.TransportError:
            with load.lock:
                load.cut_off += 1
        except Exception as err:
            load.errors.append(repr(err))


def _verify(db: str) -> subprocess.Popen[str]:
    """``detente ledger verify DB`` started; ``.communicate()`` waits for its verdict."""
    return subprocess.Popen(
        [sys.executable, "-m", "detente", "ledger", "verify", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_killed_server_keeps_every_acknowledged_submission(db_url: str) -> None:
    db = db_url
    load = Load()
    with served(db) as (base, proc), httpx.Client(base_url=base, timeout=30) as http:
        games = [seats(http, create(http, seed=i)) for i in range(SESSIONS)]
        all_seats = [s for g in games for s in g.values()]
        threads = [threading.Thread(target=_play, args=(base, s, load)) for s in all_seats]
        for th in threads:
            th.start()
        assert load.enough.wait(60), f"only {len(load.acked)} acknowledged: {load.errors[:3]}"
        os.kill(proc.pid, signal.SIGKILL)
        for th in threads:
            th.join(30)
        proc.wait()
    with load.lock:
        acked = list(load.acked)
    assert not load.errors, load.errors[:5]
    assert load.cut_off == len(threads), "every seat was still playing at the kill"
    assert max(a.round for a in acked) >= 2, "rounds cleared under load before the kill"

    # Straight from the database: each acknowledged commit and reveal, exactly as sent.
    store = Store.open(db)
    try:
        stored = {(e.type, e.session, e.party, e.round): e.data() for e in store.read()}
    finally:
        store.close()
    by_seat = {(s.session, s.party): s for s in all_seats}
    for a in acked:
        move = load.moves[(a.session, a.party, a.round)]
        nonce = by_seat[(a.session, a.party)].nonces[a.round]
        if a.kind == "commit":
            data = stored[("committed", a.session, a.party, a.round)]
            assert data == {"commitment": commitment_hash(a.session, a.round, a.party, move, nonce)}
        else:
            data = stored[("revealed", a.session, a.party, a.round)]
            assert data == {**move.payload(), "nonce": nonce}
    # The ledger as the kill left it verifies. The check runs while the server
    # restarts, which only reads (migrations at head, sessions folded) until
    # the test submits again.
    check = _verify(db)
    try:
        _complete_after_restart(db, games, acked, load, check)
    finally:
        if check.poll() is None:
            check.kill()
            check.wait()
    final = _verify(db)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err + out
    assert f"{SESSIONS} of {SESSIONS} session(s) verified" in out


def _complete_after_restart(
    db: str,
    games: list[dict[str, HttpSeat]],
    acked: list[Ack],
    load: Load,
    check: subprocess.Popen[str],
) -> None:
    """Restart; each seat's acknowledged submissions of the open round are there; finish it."""
    with served(db) as (base, _), httpx.Client(base_url=base, timeout=30) as http:
        out, err = check.communicate(timeout=120)
        assert check.returncode == 0, err + out
        for game in games:  # complete the open round: the seats yet to reveal commit and reveal
            sid = next(iter(game.values())).session
            rnd = int(http.get(f"/api/sessions/{sid}").json()["round"])
            assert rnd >= max(a.round for a in acked if a.session == sid)
            waiting: list[tuple[HttpSeat, NamedMove]] = []
            for party, seat in game.items():
                s = HttpSeat(http, sid, party, seat.token)
                s.nonces = seat.nonces
                view = s.view()
                kinds = {
                    a.kind for a in acked if (a.session, a.party, a.round) == (sid, party, rnd)
                }
                if kinds:
                    move = load.moves[(sid, party, rnd)]
                    h = commitment_hash(sid, rnd, party, move, seat.nonces[rnd])
                    assert view["own"]["commitment"] == h
                if "reveal" in kinds:
                    assert view["own"]["move"] == load.moves[(sid, party, rnd)].payload()
                if view["own"]["move"] is None:
                    offers = [m["id"] for m in view["commitments"] if m["offerable"]]
                    waiting.append((s, load.moves.get((sid, party, rnd), NamedMove([], offers))))
            assert waiting  # else the last reveal's clearing would have opened the next round
            for s, move in waiting:  # a commit that landed unanswered is acknowledged as a retry
                r = s.commit(rnd, move)
                assert r.status_code == 200, r.text
            for s, move in waiting:
                r = s.reveal(rnd, move)
                assert r.status_code == 200, r.text
            assert http.get(f"/api/sessions/{sid}").json()["round"] == rnd + 1
