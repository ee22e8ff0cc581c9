"""Bounded work per request: uploads, bodies and session creation cannot stall the server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from detente.server.app import create_app
from detente.server.limits import CreationRate, ServerLimits
from tests.server.live import served

ALIAS_BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *(
            f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]"
            for p, n in zip("abcdefg", "bcdefgh", strict=True)
        ),
        "id: bomb",
        "parties: *h",
    ]
)


def _huge(parties: int = 200, actions: int = 60) -> str:
    """A valid scenario far beyond any negotiation: every party may take every action."""
    ids = [f"P{i}" for i in range(parties)]
    lines = ["id: huge", "parties:", *(f"  - {{id: {p}}}" for p in ids), "actions:"]
    actors = "[" + ", ".join(ids) + "]"
    lines += [
        f"  - {{id: a{k}, actors: {actors}, category: dialogue, intensity: 1}}"
        for k in range(actions)
    ]
    lines += ["utilities: {parties: {P0: {linear: {P0.a0: 1}}}}"]
    lines += ["roadmap: {stages: [{id: only}], success: {hold_rounds: 1}}"]
    return "\n".join(lines) + "\n"


class HealthWatch:
    """Polls ``/api/health`` every 20 ms in a thread; the slowest answer it saw."""

    def __init__(self, base: str) -> None:
        self.base, self.worst, self.polls = base, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self._stop.is_set():
                t = time.perf_counter()
                assert http.get("/api/health").status_code == 200
                self.worst = max(self.worst, time.perf_counter() - t)
                self.polls += 1
                time.sleep(0.02)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(str(tmp_path_factory.mktemp("uploads") / "up.db")) as (base, _):
        yield base


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (ALIAS_BOMB, "ScenarioLimits.max_nodes"),
        (_huge(), "ScenarioLimits.max_parties"),
        ("[" * 100_000 + "]" * 100_000, "ScenarioLimits.max_depth"),
        ("id: x\nparties: " + "x" * 200_000 + "\n", "parties: Input should be a valid list"),
    ],
    ids=["alias-bomb", "200x60", "nesting", "huge-value"],
)
def test_a_hostile_upload_gets_a_small_4xx_quickly_and_health_stays_fast(
    server: str, upload: str, words: str
) -> None:
    with HealthWatch(server) as watch, httpx.Client(base_url=server, timeout=30) as http:
        time.sleep(0.1)
        t = time.perf_counter()
        r = http.post("/api/sessions", json={"scenario_yaml": upload})
        took = time.perf_counter() - t
        time.sleep(0.1)
    assert r.status_code == 422, r.text[:500]
    assert words in r.json()["message"]
    assert len(r.content) < 4096
    assert took < 1.0
    assert watch.polls >= 5
    assert watch.worst < 0.1


def test_the_health_check_stays_fast_while_a_large_valid_upload_compiles(server: str) -> None:
    """At the upload limits a scenario is compiled off the event loop, in well under a second."""
    big = _huge(parties=32, actions=8)  # 256 slots: the upload limit
    with HealthWatch(server) as watch, httpx.Client(base_url=server, timeout=30) as http:
        time.sleep(0.1)
        t = time.perf_counter()
        r = http.post("/api/sessions", json={"scenario_yaml": big})
        took = time.perf_counter() - t
    assert r.status_code == 201, r.text[:500]
    assert took < 1.0
    assert watch.worst < 0.1


def test_sessions_with_the_same_scenario_share_its_compiled_tables(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "s.db"))) as client:
        ids = [
            client.post("/api/sessions", json={"scenario": "korea"}).json()["session"]["id"]
            for _ in range(3)
        ]
        text = client.get(f"/api/sessions/{ids[0]}/scenario").text
        other = client.post("/api/sessions", json={"scenario_yaml": text + "\n# edited\n"})
        hub = client.app.state.hub  # type: ignore[attr-defined]
        compiled = [hub.sessions[i].compiled for i in ids]
        assert compiled[0] is compiled[1] is compiled[2]
        assert hub.sessions[other.json()["session"]["id"]].compiled is not compiled[0]


def test_session_creation_is_rationed_per_client(tmp_path: Path) -> None:
    limits = ServerLimits(sessions_per_minute=3)
    with TestClient(create_app(str(tmp_path / "r.db"), limits=limits)) as client:
        for _ in range(3):
            assert client.post("/api/sessions", json={"scenario": "ipd"}).status_code == 201
        r = client.post("/api/sessions", json={"scenario": "ipd"})
        assert r.status_code == 429
        assert "at most 3 a minute" in r.json()["message"]
        assert 1 <= int(r.headers["retry-after"]) <= 20
        assert len(client.get("/api/sessions").json()["sessions"]) == 3


def test_the_token_bucket_refills_at_its_rate() -> None:
    rate = CreationRate(per_minute=60)  # one a second, in bursts of 60
    assert all(rate.take("a", now=0.0) == 0 for _ in range(60))
    assert rate.take("a", now=0.0) == pytest.approx(1.0)
    assert rate.take("b", now=0.0) == 0  # every client has a bucket of its own
    assert rate.take("a", now=1.0) == 0
    assert rate.take("a", now=1.5) == pytest.approx(0.5)
    assert CreationRate(per_minute=0).take("a") == 0  # no limit


def test_a_round_deadline_below_one_second_is_refused(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "d.db"))) as client:
        r = client.post("/api/sessions", json={"scenario": "korea", "round_seconds": 0.001})
        assert r.status_code == 422
        assert "body.round_seconds" in r.json()["message"]
        assert client.get("/api/sessions").json()["sessions"] == []


def test_malformed_bodies_get_422_and_oversized_ones_413(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "b.db"))) as client:
        deep = b"[" * 100_000 + b"]" * 100_000
        json_type = {"content-type": "application/json"}
        for path in ("/api/sessions", "/api/sessions/0123456789abcdef/close"):
            r = client.post(path, content=deep, headers=json_type)
            assert r.status_code == 422, (path, r.text)
            assert "nested too deeply" in r.json()["message"]
        r = client.post("/api/sessions", content=b'{"scenario": "\xff"}', headers=json_type)
        assert r.status_code == 422
        assert "not UTF-8" in r.json()["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as it streams
            yield b'{"scenario_yaml": "'
            for _ in range(100):
                yield b"x" * 8192
            yield b'"}'

        r = client.post("/api/sessions", content=chunks(), headers=json_type)
        assert r.status_code == 413
        assert "larger than" in r.json()["message"]


def test_a_session_nobody_plays_closes_itself(tmp_path: Path) -> None:
    """An abandoned session with a deadline stops adding a round of defaults every second."""
    with TestClient(create_app(str(tmp_path / "idle.db"), tick=0.05)) as client:
        created = client.post(
            "/api/sessions", json={"scenario": "korea", "round_seconds": 1.0}
        ).json()
        sid = created["session"]["id"]
        deadline = time.monotonic() + 10
        while client.get(f"/api/sessions/{sid}").json()["status"] != "closed":
            assert time.monotonic() < deadline, "the abandoned session is still open"
            time.sleep(0.1)
        events = client.get(f"/api/sessions/{sid}/events").json()["events"]
        cleared = [e["round"] for e in events if e["type"] == "round_cleared"]
        assert cleared == [1, 2, 3]
        assert (
            events[-1]["payload"]["reason"] == "abandoned: no seat committed in 3 rounds in a row"
        )
    with TestClient(create_app(str(tmp_path / "idle.db"))) as client:  # and it folds back
        assert client.get(f"/api/sessions/{sid}").json()["status"] == "closed"
