"""``detente serve`` says where it is, on which database, and logs each request without a token;
``detente demo-session`` prints a ``detente play`` command that plays the person's seat."""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from detente.server.accesslog import MAX_PATH, shown_path
from detente.server.run import shown_database, url_of
from tests.databases import free_port
from tests.server.live import served
from tests.server.play import auth, create


def wait_for(lines: list[str], text: str, seconds: float = 30) -> str:
    """The first line of ``lines`` (still being read) containing ``text``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [line for line in list(lines) if text in line]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no line with {text!r} within {seconds} s: {lines}")


def test_serve_prints_its_url_and_database_then_one_line_per_request(tmp_path: Path) -> None:
    db = tmp_path / "talk.db"
    lines: list[str] = []
    with served(str(db), None, lines) as (base, _):
        assert lines[0] == f"detente serving on {base}"  # printed once it accepts connections
        assert lines[1] == f"database: {db.resolve()}"
        created = create(httpx.Client(base_url=base), rounds=2)
        sid, token = created["session"]["id"], created["seat_tokens"]["DPRK"]
        admin = created["admin_token"]
        seat = httpx.get(f"{base}/api/sessions/{sid}/seats/DPRK?token={token}", headers=auth(token))
        assert seat.status_code == 200
        other = httpx.get(f"{base}/api/sessions/{sid}/seats/ROK", headers=auth(token))
        assert other.status_code == 403
        page = httpx.get(f"{base}/sessions/{sid}/seats/DPRK#token={token}")
        assert page.status_code == 200
        wait_for(lines, f"GET /sessions/{sid}/seats/DPRK 200")
        line = wait_for(lines, f"GET /api/sessions/{sid}/seats/DPRK 200")
        assert " INFO detente.access: 127.0.0.1 GET " in line
        assert line.endswith(" ms")
        assert wait_for(lines, "POST /api/sessions 201")
        assert wait_for(lines, f"GET /api/sessions/{sid}/seats/ROK 403")
    text = "\n".join(lines)
    for secret in [token, admin, *created["seat_tokens"].values()]:
        assert secret not in text
    assert "Bearer" not in text
    assert "token=" not in text


def test_log_level_warning_keeps_requests_out_of_the_log(tmp_path: Path) -> None:
    lines: list[str] = []
    with served(str(tmp_path / "quiet.db"), None, lines, "--log-level", "warning") as (base, _):
        assert httpx.get(f"{base}/api/sessions").status_code == 200
        assert httpx.get(f"{base}/api/sessions/0123456789abcdef").status_code == 404
        time.sleep(0.5)
    assert lines[0].startswith("detente serving on http://127.0.0.1:")
    assert not [line for line in lines if "detente.access" in line]


def test_a_database_url_is_shown_without_its_password() -> None:
    shown = shown_database("postgresql+psycopg://alice:s3cret@db.example:5432/detente")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://alice:***@db.example:5432/detente"
    assert shown_database("rel/x.db") == str(Path("rel/x.db").resolve())


def test_the_url_of_a_wildcard_host_is_this_machines() -> None:
    assert url_of("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert url_of("::1", 80) == "http://[::1]:80"
    assert url_of("example.org", 8080) == "http://example.org:8080"


def test_a_logged_path_cannot_break_its_line() -> None:
    assert shown_path(b"/a%0Ab") == "/a%0Ab"  # as sent: percent-encoded
    assert shown_path(b"/a\nb\\c d") == "/a\\x0ab\\x5cc\\x20d"
    long = shown_path(b"/" + b"x" * 500)
    assert len(long) == MAX_PATH + 1
    assert long.endswith("…")


def test_demo_sessions_play_command_plays_the_persons_seat(tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "detente", "demo-session", "--db", str(tmp_path / "demo.db")]
    cmd += ["--port", str(port), "--person", "JPN", "--round-seconds", "30"]
    demo = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: list[str] = []

    def read() -> None:
        assert demo.stdout is not None
        lines.extend(line.decode().rstrip("\n") for line in demo.stdout)

    threading.Thread(target=read, daemon=True).start()
    try:
        line = wait_for(lines, "or let a program play it: ", seconds=90)
        words = shlex.split(line.split(": ", 1)[1])
        assert words[:3] == ["detente", "play", f"http://127.0.0.1:{port}"]
        token = words[words.index("--seat") + 1]
        assert f"#token={token}" in wait_for(lines, "your seat (JPN): ")
        played = subprocess.run(
            [sys.executable, "-m", "detente", *words[1:]],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert played.returncode == 0, played.stderr
        assert "session closed in round" in played.stdout
        sid = wait_for(lines, "dashboard:").rsplit("/", 1)[1]
        final = httpx.get(f"http://127.0.0.1:{port}/api/sessions/{sid}").json()
        assert final["status"] == "closed"
        events = httpx.get(f"http://127.0.0.1:{port}/api/sessions/{sid}/events?limit=10000")
        jpn = [e["type"] for e in events.json()["events"] if e["party"] == "JPN"]
        assert jpn.count("revealed") == final["round"]  # the program played every round
        assert "defaulted" not in jpn
    finally:
        demo.terminate()
        demo.wait(30)
