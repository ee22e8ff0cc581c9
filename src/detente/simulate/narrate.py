"""One episode of a simulation, played alone and told round by round (``detente run``).

:func:`play_episode` plays episode ``episode`` of ``simulate(compiled,
profile, rounds=rounds, seed=seed)`` by itself: the same profile resolution,
the same strategies built the same way, asked through the simulator's own
:func:`~detente.simulate.runner.submissions_for`, the same engine step. Every
random draw is addressed by (seed, episode, round, ...) and a batch plays
exactly what its episodes play one by one, so the rounds it yields are those
the simulation played in that episode. :func:`narrate` tells them;
:func:`pick` chooses an episode of a simulation by how it ended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.dtypes import B8
from detente.engine import CounterRNG, Event, EventType, StepEvents, initial_state
from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import Assignment, resolve_profile
from detente.simulate.results import Results
from detente.simulate.runner import build_profile, play

PICKS = ("typical", "success", "collapse")


def play_episode(
    compiled: CompiledScenario,
    profile: Assignment | None = None,
    rounds: int | None = None,
    seed: int = 0,
    episode: int = 0,
) -> Iterator[StepEvents]:
    """Episode ``episode`` of ``simulate(compiled, profile, rounds=rounds, seed=seed)``.

    Yields each round's :class:`~detente.engine.StepEvents`: the state before
    and after it, the submissions, and ``records(0)``, its structured events.
    """
    horizon = compiled.scenario.rounds if rounds is None else rounds
    if horizon < 1 or episode < 0:
        raise ValueError(
            f"rounds must be at least 1 and episode at least 0, got {horizon}, {episode}"
        )
    _, strategies = build_profile(compiled, profile)
    yield from play(strategies, initial_state(compiled, 1, episode), horizon, CounterRNG(seed))


def collapsed(results: Results) -> B8:
    """``[N]`` the episodes that collapsed: never reached success, and ended either stalled
    or back in the first stage after having reached a later one."""
    back = (results.final_stage == 0) & (results.max_stage > 0)
    collapse: B8 = (results.success_round < 0) & (results.final_stalled | back)
    return collapse


@dataclass(frozen=True)
class Pick:
    """An episode chosen from a simulation, and why (a sentence)."""

    episode: int
    why: str


class NoSuchEpisodeError(ValueError):
    """No episode of the simulation is of the kind asked for."""


def pick(results: Results, kind: str) -> Pick:
    """The typical episode of ``kind`` (``typical``: any; ``success``; ``collapse``).

    Typical: among the episodes of that kind, the one whose discounted payoff
    summed over the parties is the median (the lower middle one when their
    number is even; the lowest episode id among equals), so the same
    simulation always gives the same pick.
    """
    if kind not in PICKS:
        raise ValueError(f"--pick must be one of {', '.join(PICKS)}, got {kind!r}")
    if kind == "success":
        of_kind = results.success_round >= 0
    elif kind == "collapse":
        of_kind = collapsed(results)
    else:
        of_kind = np.ones(results.n, dtype=bool)
    rows = np.flatnonzero(of_kind)
    run = f"{results.n} episodes (seed {results.seed}, {results.rounds} rounds)"
    if rows.size == 0:
        what = "reached success" if kind == "success" else "collapsed"
        raise NoSuchEpisodeError(
            f"no episode of {run} {what}; try more episodes or another profile"
        )
    welfare = results.discounted.sum(axis=1)
    ranked = rows[np.lexsort((results.episodes[rows], welfare[rows]))]
    row = int(ranked[(ranked.size - 1) // 2])
    episode = int(results.episodes[row])
    if kind == "success":
        how = f"reached success in round {int(results.success_round[row])}"
        among = f"the {rows.size} successes"
    elif kind == "collapse":
        how = _ending(results, row)
        among = f"the {rows.size} collapses"
    else:
        how = _ending(results, row)
        among = "all episodes"
    return Pick(
        episode,
        f"episode {episode} of {run} {how}; its discounted payoff summed over the parties "
        f"({welfare[row]:.1f}) is the median of {among}",
    )


def _ending(results: Results, row: int) -> str:
    final = results.stages[int(results.final_stage[row])]
    furthest = results.stages[int(results.max_stage[row])]
    if results.success_round[row] >= 0:
        return f"reached success in round {int(results.success_round[row])}"
    state = "stalled in" if results.final_stalled[row] else "in"
    return f"ended {state} {final} (furthest: {furthest})"


def narrate(
    compiled: CompiledScenario,
    profile: Assignment | None = None,
    rounds: int | None = None,
    seed: int = 0,
    episode: int = 0,
) -> Iterator[str]:
    """The episode told line by line: the profile, every round, how it ended, the payoffs.

    Each round: the stage after it, the actions executed (those a tremble
    forced or withheld marked), the commitments cleared, agreements reached
    and violated, track levels, stage changes, stalls and resumptions,
    success, and what the parties misread (misses and false alarms).
    """
    labels = {party: str(f) for party, f in resolve_profile(compiled, profile).items()}
    horizon = compiled.scenario.rounds if rounds is None else rounds
    yield f"{compiled.scenario.title}: episode {episode}, seed {seed}, {horizon} rounds"
    yield "profile: " + ", ".join(f"{p}={s}" for p, s in labels.items())
    initial = compiled.scenario.initial
    if initial is not None:  # where the scenario's initial: section starts it
        stage = initial.stage or compiled.stages[0]
        yield f"start: {stage}" + (" (stalled)" if initial.stalled else "")
    furthest = 0
    events: StepEvents | None = None
    for events in play_episode(compiled, profile, rounds, seed, episode):
        after = events.after
        furthest = max(furthest, int(after.stage[0]))
        stage = compiled.stages[int(after.stage[0])]
        yield f"round {events.round:>3}  {stage}" + (" (stalled)" if after.stalled[0] else "")
        yield from (f"    {line}" for line in _round(compiled, events.records(0)))
    if events is None:  # pragma: no cover - play_episode plays at least one round
        return
    yield _outcome(compiled, events, furthest)
    after = events.after
    for what, values in (("total", after.total[0]), ("discounted", after.discounted[0])):
        paid = ", ".join(f"{p} {v:.1f}" for p, v in zip(compiled.parties, values, strict=True))
        yield f"{what} payoffs: {paid}"


def _round(compiled: CompiledScenario, records: list[Event]) -> Iterator[str]:
    """The lines of one round's events.

    Executed actions are grouped by action (``suspend_drills (US, ROK)``),
    acts whose outcome failed apart (``summit failed (US, DPRK)``);
    observations are told only where a party misread a provocation, since
    misreading those is what reciprocal strategies answer.
    """
    executed: dict[str, list[str]] = {}
    trembled: list[str] = []
    cleared: list[str] = []
    misread: list[str] = []
    notes: list[str] = []
    for e in records:
        p = e.payload
        if e.type == EventType.ACTION_EXECUTED and p["via"] == "tremble":
            trembled.append(f"{e.party}.{p['action']} taken")
        elif e.type == EventType.ACTION_EXECUTED:
            failed = " failed" if p.get("outcome") == "failed" else ""
            executed.setdefault(f"{p['action']}{failed}", []).append(str(e.party))
        elif e.type == EventType.ACTION_WITHHELD:
            trembled.append(f"{e.party}.{p['action']} withheld")
        elif e.type == EventType.COMMITMENT_CLEARED:
            cleared.append(str(p["commitment"]))
        elif e.type == EventType.OBSERVED and p["kind"] != "seen":
            if compiled.slot_provocation[compiled.slot_of(p["actor"], p["action"])]:
                act = f"{p['actor']}.{p['action']}"
                how = "missed {}" if p["kind"] == "missed" else "saw {} (false alarm)"
                misread.append(f"{e.party} {how.format(act)}")
        elif e.type == EventType.POLICY_STARTED:
            notes.append(f"policy in force: {e.party}.{p['action']}")
        elif e.type == EventType.POLICY_ENDED:
            notes.append(f"policy ended: {e.party}.{p['action']} ({p.get('by', p['cause'])})")
        elif e.type in _NOTES:
            notes.append(_NOTES[e.type](p))
    everyone = len(compiled.parties)
    groups = [
        f"{action} ({'all' if len(who) == everyone else ', '.join(who)})"
        for action, who in executed.items()
    ]
    yield "executed: " + (", ".join(groups) or "-")
    if trembled:
        yield "trembled: " + ", ".join(trembled)
    if cleared:
        yield "cleared: " + ", ".join(cleared)
    yield from notes
    if misread:
        yield "misread: " + ", ".join(misread)


def _because(p: dict[str, Any]) -> str:
    """`` (rule, by DPRK and US)``: the rule behind a transition and whose acts triggered it
    (``trust below a threshold`` when that did); nothing for a transition without a rule."""
    if not p["cause"]:
        return ""
    who = " and ".join(p.get("by", []))
    trust = "trust below a threshold" if p.get("trust_below") else ""
    by = "; ".join(part for part in (who and f"by {who}", trust) if part)
    return f" ({p['cause']}{', ' + by if by else ''})"


def _voted(p: dict[str, Any]) -> str:
    tally = f"{p['in_favour']}-{p['against']}-{p['abstain']}"
    veto = f", vetoed by {' and '.join(p['vetoed_by'])}" if p["vetoed_by"] else ""
    return f"{p['institution']} {p['resolution']} {p['result']} ({tally}{veto})"


_NOTES: dict[str, Callable[[dict[str, Any]], str]] = {
    EventType.RESOLUTION_VOTED: _voted,
    EventType.AGREEMENT_REACHED: lambda p: f"agreement reached: {p['deal']}",
    EventType.AGREEMENT_VIOLATED: lambda p: f"agreement violated: {p['deal']}",
    EventType.TRACK_ADVANCED: lambda p: f"track {p['track']} advanced: {p['level']}",
    EventType.STAGE_CHANGED: lambda p: f"stage {p['from']} -> {p['to']}{_because(p)}",
    EventType.STALLED: lambda p: f"stalled in {p['stage']}{_because(p)}",
    EventType.RESUMED: lambda p: f"resumed in {p['stage']}",
    EventType.SUCCESS: lambda p: f"success: {p['stage']} held",
    EventType.SUCCESS_LOST: lambda p: f"success lost (now in {p['stage']})",
    EventType.SUCCESS_REGAINED: lambda p: f"success regained: {p['stage']} held again",
}


def _outcome(compiled: CompiledScenario, last: StepEvents, furthest: int) -> str:
    after = last.after
    success = int(after.success_round[0])
    reached = f"success in round {success}" if success >= 0 else "no success"
    stage = compiled.stages[int(after.stage[0])]
    state = "stalled in" if after.stalled[0] else "in"
    held = "" if success < 0 else "; success in force at the end"
    if success >= 0 and not after.success_in_force[0]:
        held = "; success no longer in force at the end"
    return (
        f"outcome: {reached}; ended {state} {stage} (furthest: {compiled.stages[furthest]}){held}"
    )
