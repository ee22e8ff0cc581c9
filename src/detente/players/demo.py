"""``detente demo-session``: a server and a session with bots in all seats but a person's."""

from __future__ import annotations

import shlex
import sys
import threading
import time

import uvicorn

from detente.players.bot import play
from detente.players.client import SeatClient
from detente.server.app import create_app
from detente.simulate.profile import DEFAULT_PROFILES, DEFAULT_STRATEGY


def start_server(db: str, host: str, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    """A uvicorn server in a background thread, returned once it accepts connections."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(db), host=host, port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="detente-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the server did not start on {host}:{port}")
        time.sleep(0.05)
    return server, thread


def play_command(base: str, token: str, strategy: str | None = None) -> str:
    """The ``detente play`` command line that plays the seat of ``token`` (ready to paste)."""
    words = ["detente", "play", base, "--seat", token, "--strategy", strategy or DEFAULT_STRATEGY]
    return shlex.join(words)


def demo_session(
    db: str,
    host: str,
    port: int,
    scenario: str,
    person: str,
    seed: int,
    round_seconds: float,
) -> None:
    """Run until interrupted: print the person's seat link and the dashboard's."""
    server, thread = start_server(db, host, port)
    base = f"http://{host}:{port}"
    client = SeatClient(base)
    body = {"scenario": scenario, "seed": seed, "round_seconds": round_seconds}
    created = client.call("POST", "/api/sessions", body)
    client.close()
    sid, tokens = created["session"]["id"], created["seat_tokens"]
    if person not in tokens:
        server.should_exit = True
        raise ValueError(f"no party {person} in {scenario} (parties: {', '.join(tokens)})")
    profile = DEFAULT_PROFILES.get(created["session"]["scenario"], {})
    for party, token in tokens.items():
        if party != person:
            spec = profile.get(party, DEFAULT_STRATEGY)
            bot = threading.Thread(target=play, args=(base, token, spec, seed), daemon=True)
            bot.start()
            print(f"{party}: bot playing {spec}")
    print(f"dashboard:        {base}/sessions/{sid}")
    print(f"your seat ({person}): {base}/sessions/{sid}/seats/{person}#token={tokens[person]}")
    print(f"or let a program play it: {play_command(base, tokens[person], profile.get(person))}")
    print(f"facilitator token: {created['admin_token']}")
    sys.stdout.flush()
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        server.should_exit = True
        thread.join()
