"""Sustained durable submissions per second and p50 / p99 latency, 64 concurrent seats.

Starts ``detente serve`` on a fresh database, creates 64 one-seat sessions
(a one-party scenario, so every reveal also clears a round: engine step and
ledger appends included) and drives them with wrk, one wrk thread and
connection per seat alternating commit and reveal. The no-op endpoint
(``GET /api/health``) of the same server is measured in the same run: the
framework's ceiling on this machine.

    python bench/serve.py                         # SQLite (a temp file)
    python bench/serve.py --db postgresql+psycopg://user@127.0.0.1:5432/db
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from detente.ledger.moves import NamedMove, commitment_hash

SEATS = 64
SOLO = """
id: solo
parties: [{id: A}]
actions:
  - {id: wait, actors: [A], category: restraint, intensity: 1}
utilities: {parties: {A: {linear: {A.wait: 1}}}}
roadmap: {stages: [{id: only}], success: {hold_rounds: 1}}
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "detente", "serve", "--db", db, "--port", str(port)]
    proc = subprocess.Popen(cmd)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _requests(base: str, rounds: int) -> list[list[tuple[str, str, str]]]:
    """Per seat: (path, body, token) for commit and reveal of every round."""
    out = []
    for _ in range(SEATS):
        created = httpx.post(
            f"{base}/api/sessions", json={"scenario_yaml": SOLO, "rounds": 10_000}, timeout=30
        ).json()
        sid, token = created["session"]["id"], created["seat_tokens"]["A"]
        seq = []
        for rnd in range(1, rounds + 1):
            move, nonce = NamedMove.of([], []), secrets.token_hex(16)
            path = f"/api/sessions/{sid}/seats/A/rounds/{rnd}"
            commit = {"commitment": commitment_hash(sid, rnd, "A", move, nonce)}
            seq.append((f"{path}/commit", json.dumps(commit), token))
            seq.append((f"{path}/reveal", json.dumps({**move.payload(), "nonce": nonce}), token))
        out.append(seq)
    return out


def _lua(plans: list[list[tuple[str, str, str]]], folder: Path) -> Path:
    """A wrk script: thread i plays seat i, reading its requests from a tab-separated file."""
    for i, seq in enumerate(plans, 1):
        (folder / f"seat{i}.tsv").write_text("".join(f"{p}\t{b}\t{t}\n" for p, b, t in seq))
    script = folder / "submit.lua"
    script.write_text(
        f"""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  plan = {{}}
  for line in io.lines("{folder}/seat" .. id .. ".tsv") do
    local path, body, token = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)")
    plan[#plan + 1] = {{path, body, token}}
  end
  i = 0
end
function request()
  i = i + 1
  if i > #plan then i = #plan end
  local p = plan[i]
  return wrk.format("POST", p[1], {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. p[3]}}, p[2])
end
"""
    )
    return script


def _wrk(args: list[str]) -> dict[str, float]:
    out = subprocess.run(["wrk", "--latency", *args], capture_output=True, text=True, check=True)
    text = out.stdout
    if out.stderr.strip():
        raise RuntimeError(f"wrk: {out.stderr[:2000]}")
    if "Socket errors" in text:
        raise RuntimeError(f"wrk reported socket errors:\n{text}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rate,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=600, help="rounds prepared per seat")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="detente-bench-"))
    db = args.db or str(folder / "bench.db")
    port = _port()
    proc = _serve(db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        script = _lua(_requests(base, args.rounds), folder)
        duration = f"{args.seconds}s"
        noop = _wrk(["-t4", f"-c{SEATS}", f"-d{duration}", f"{base}/api/health"])
        submit = _wrk([f"-t{SEATS}", f"-c{SEATS}", f"-d{duration}", "-s", str(script), base])
    finally:
        proc.terminate()
        proc.wait()
    events = _count(db) if args.db is None else None
    backend = "sqlite" if args.db is None else args.db.split(":")[0]
    result = {"backend": backend, "seats": SEATS, "noop": noop, "submissions": submit}
    if events is not None:
        result["events_stored"] = events
    print(json.dumps(result))


def _count(db: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


if __name__ == "__main__":
    main()
