"""Sustained durable submissions per second and p50 / p99 latency, 64 concurrent connections.

Starts ``detente serve`` on a fresh database, creates 64 sessions and drives
them with wrk, one wrk thread and connection per session (``--shape``: see
``_requests``). The no-op endpoint (``GET /api/health``) of the same server
is measured in the same run: the framework's ceiling on this machine. Every
non-2xx response is reported under ``refused``, by status and message, and
each run's server CPU time per request (all threads) under ``cpu_us``.
Last, ``create`` is session creation (``POST /api/sessions``, the built-in
korea scenario, durable before the answer) by 16 connections, with the
per-client ration off (``--sessions-per-minute 0``).

    python bench/serve.py                         # SQLite (a temp file)
    python bench/serve.py --shape korea           # six-party sessions
    python bench/serve.py --db postgresql+psycopg://user@127.0.0.1:5432/db
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from detente.ledger.moves import commitment_hash
from detente.scenario.moves import NamedMove

SEATS = 64
_IDS = re.compile(r"[0-9a-f]{16}|\d+")  # session ids and numbers, masked to group refusals
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
    cmd += ["--sessions-per-minute", "0"]  # the benchmark creates sessions as fast as it can
    cmd += ["--log-level", "warning"]  # no access log: a line per request would flood the terminal
    proc = subprocess.Popen(cmd)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _requests(base: str, rounds: int, shape: str) -> list[list[tuple[str, str, str]]]:
    """Per connection: (path, body, token) of its submissions, in order.

    ``solo``: one one-party session per connection, commit then reveal, so
    every reveal also clears a round. ``korea``: one six-party korea session
    per connection, which submits for its six seats in turn (six commits,
    then six reveals, the last of which clears the round): the server does
    exactly the work of six seats playing, one clearing per twelve
    submissions, without seats polling for the round to clear.
    """
    out = []
    for _ in range(SEATS):
        spec = {"scenario_yaml": SOLO} if shape == "solo" else {"scenario": "korea"}
        created = httpx.post(
            f"{base}/api/sessions", json={**spec, "rounds": 10_000}, timeout=30
        ).json()
        sid, tokens = created["session"]["id"], created["seat_tokens"]
        seq = []
        for rnd in range(1, rounds + 1):
            reveals = []
            for party, token in tokens.items():
                move, nonce = NamedMove([], []), secrets.token_hex(16)
                path = f"/api/sessions/{sid}/seats/{party}/rounds/{rnd}"
                commit = {"commitment": commitment_hash(sid, rnd, party, move, nonce)}
                reveal = json.dumps({**move.payload(), "nonce": nonce})
                seq.append((f"{path}/commit", json.dumps(commit), token))
                reveals.append((f"{path}/reveal", reveal, token))
            seq += reveals
        out.append(seq)
    return out


def _lua(plans: list[list[tuple[str, str, str]]], folder: Path) -> Path:
    """A wrk script: thread i plays seat i, reading its requests from a tab-separated file.

    ``request`` has no side effect and the plan moves on in ``response``: wrk
    calls ``request`` once on the first thread before the run (to inspect the
    script), which once made seat 1 skip its first commit and be refused
    (409) for the whole run, and again to resend after a reconnect. Every
    non-2xx response is written to ``refused<i>.tsv`` with its status and body.
    """
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
  i = 1
end
function request()
  local p = plan[math.min(i, #plan)]
  return wrk.format("POST", p[1], {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. p[3]}}, p[2])
end
function response(status, headers, body)
  if status >= 300 then
    local f = io.open("{folder}/refused" .. id .. ".tsv", "a")
    f:write(status .. "\t" .. plan[math.min(i, #plan)][1] .. "\t" .. body .. "\\n")
    f:close()
  end
  i = i + 1
end
"""
    )
    return script


def _create_lua(folder: Path) -> Path:
    """A wrk script that creates a korea session per request."""
    script = folder / "create.lua"
    script.write_text(
        """
wrk.method = "POST"
wrk.body = '{"scenario": "korea"}'
wrk.headers["Content-Type"] = "application/json"
"""
    )
    return script


def _refusals(folder: Path) -> dict[str, int]:
    """Non-2xx responses of the submission run by status and message (ids masked)."""
    seen: Counter[str] = Counter()
    for path in folder.glob("refused*.tsv"):
        for line in path.read_text().splitlines():
            status, _, body = line.split("\t", 2)
            seen[f"{status} {_IDS.sub('N', body)}"] += 1
    return dict(seen)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far, all threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(pid: int, args: list[str]) -> dict[str, float]:
    """A wrk run plus the server's CPU time per request (microseconds) during it.

    The machine's other load moves the rates a lot and the CPU a request
    costs the server much less, so both are reported.
    """
    before = _cpu_seconds(pid)
    out = _wrk(args)
    out["cpu_us"] = round((_cpu_seconds(pid) - before) / max(out["requests"], 1.0) * 1e6, 1)
    return out


def _wrk(args: list[str]) -> dict[str, float]:
    out = subprocess.run(["wrk", "--latency", *args], capture_output=True, text=True, check=True)
    text = out.stdout
    if out.stderr.strip():
        raise RuntimeError(f"wrk: {out.stderr[:2000]}")
    if "Socket errors" in text:
        raise RuntimeError(f"wrk reported socket errors:\n{text}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    done = float(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rate,
        "requests": done,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=600, help="rounds prepared per session")
    parser.add_argument("--shape", choices=("solo", "korea"), default="solo", help="see _requests")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="detente-bench-"))
    db = args.db or str(folder / "bench.db")
    port = _port()
    proc = _serve(db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        script = _lua(_requests(base, args.rounds, args.shape), folder)
        duration = f"{args.seconds}s"
        noop = _measured(proc.pid, ["-t4", f"-c{SEATS}", f"-d{duration}", f"{base}/api/health"])
        submit = _measured(
            proc.pid, [f"-t{SEATS}", f"-c{SEATS}", f"-d{duration}", "-s", str(script), base]
        )
        create = _measured(
            proc.pid,
            [
                "-t4",
                "-c16",
                f"-d{duration}",
                "-s",
                str(_create_lua(folder)),
                f"{base}/api/sessions",
            ],
        )
        if create["non_2xx"]:
            raise RuntimeError(f"{create['non_2xx']:.0f} session creations were refused")
    finally:
        proc.terminate()
        proc.wait()
    events = _count(db) if args.db is None else None
    backend = "sqlite" if args.db is None else args.db.split(":")[0]
    result: dict[str, object] = {
        "backend": backend,
        "shape": args.shape,
        "connections": SEATS,
        "noop": noop,
        "submissions": submit,
        "create": create,
        "refused": _refusals(folder),
    }
    if events is not None:
        result["events_stored"] = events
    _table({"no-op (GET /api/health)": noop, "submissions": submit, "session creation": create})
    print(json.dumps(result))


def _table(runs: dict[str, dict[str, float]]) -> None:
    """The runs side by side, each rate also as a share of the no-op's (the first row)."""
    base = next(iter(runs.values()))["rps"]
    print(f"{'':26}{'req/s':>9}{'x no-op':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}")
    for name, r in runs.items():
        print(
            f"{name:26}{r['rps']:>9,.0f}{r['rps'] / base:>9.3f}{r['p50_ms']:>9.2f}"
            f"{r['p99_ms']:>9.2f}{r['cpu_us']:>12,.0f}"
        )


def _count(db: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


if __name__ == "__main__":
    main()
