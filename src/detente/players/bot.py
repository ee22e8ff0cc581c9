"""Play a seat with a strategy of the library, over HTTP.

The strategy sees what the simulator would show it (:class:`View`): the seat
view carries this party's perception, trust and payoff and the public
roadmap state, and the scenario comes from the server. With the session's
seed as ``seed`` the strategy's random draws are the simulator's too, so a
session played by bots follows the same path as ``detente simulate`` would.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

from detente.engine import CounterRNG, compile_scenario
from detente.ledger.moves import commitment_hash
from detente.players.client import SeatClient, SeatError
from detente.scenario import parse_yaml
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove
from detente.strategies import Strategy, View, get_strategy


def view_from(
    compiled: CompiledScenario, party: str, seat: dict[str, Any], rng: CounterRNG
) -> View:
    """The strategy's view (a batch of one) from a seat view of the server."""
    c = compiled
    pub = seat["public"]
    labels = {c.slot_label(k): k for k in range(c.n_slots)}
    perceived = np.zeros((1, c.n_slots), dtype=bool)
    perceived[0, [labels[x] for x in seat["perceived"]]] = True
    avail = {a["id"]: a["available"] for a in seat["actions"]}
    return View.of(
        c,
        c.parties.index(party),
        round=int(pub["round"]) - 1,
        episodes=np.zeros(1, dtype=np.int64),
        stage=np.array([c.stages.index(pub["stage"])], dtype=np.int64),
        stalled=np.array([bool(pub["engine_stalled"])]),
        perceived=perceived,
        trust=np.array([[seat["trust"][q] for q in c.parties]], dtype=np.float64),
        payoff=np.array([float(seat["payoff"])]),
        in_force=np.array([[d in pub["in_force"] for d in c.deals]]),
        available=np.array([[avail[a] for a in c.seat(party).actions]]),
        rng=rng,
        institutions=np.array(
            [[lv in pub.get("institutions", ()) for lv in c.institutions.levels]]
        ),
    )


def choose(strategy: Strategy, view: View) -> NamedMove:
    """The strategy's move for the view's single episode, by name."""
    move = strategy.move(view)
    return view.compiled.seat(view.party).named(move.actions[0], move.offers[0])


def play(
    base_url: str,
    token: str,
    spec: str,
    seed: int | None = None,
    poll: float = 0.05,
    on_round: Callable[[int, NamedMove], None] | None = None,
    receipts: TextIO | None = None,
) -> dict[str, Any]:
    """Play the token's seat until the session closes; the final public state.

    ``seed`` feeds the strategy's random stream (the session's seed makes it
    the simulator's); a fresh random seed when omitted. Each acknowledgement
    is written to ``receipts`` as a JSON line (its ``receipt`` proves, later,
    what the ledger held: ``detente ledger verify --receipts``).
    """
    client = SeatClient(base_url, token)
    try:
        who = client.whoami()
        if who["role"] != "seat":
            raise ValueError("this token is the facilitator's; play needs a seat token")
        session, party = who["session"], who["party"]
        compiled = compile_scenario(parse_yaml(client.scenario(session), f"session {session}"))
        strategy = get_strategy(spec).build(compiled, compiled.parties.index(party))
        strategy.reset(1)
        rng = CounterRNG(secrets.randbelow(2**31) if seed is None else seed)
        played = 0
        while True:
            seat = client.seat(session, party)
            pub = seat["public"]
            if pub["status"] == "closed":
                return dict(pub)
            rnd = int(pub["round"])
            if pub["status"] != "open" or rnd <= played or seat["own"]["move"] is not None:
                time.sleep(poll)
                continue
            if seat["own"]["commitment"] is not None:  # committed by an earlier run: wait it out
                played = rnd
                continue
            move = choose(strategy, view_from(compiled, party, seat, rng))
            nonce = secrets.token_hex(16)
            try:
                acks = [
                    client.commit(
                        session, party, rnd, commitment_hash(session, rnd, party, move, nonce)
                    ),
                    client.reveal(session, party, rnd, move, nonce),
                ]
                if receipts is not None:
                    receipts.writelines(json.dumps(ack, sort_keys=True) + "\n" for ack in acks)
                    receipts.flush()
            except SeatError as err:
                if err.status != 409:  # 409: the round moved on (deadline, stall); look again
                    raise
            played = rnd
            if on_round is not None:
                on_round(rnd, move)
    finally:
        client.close()
