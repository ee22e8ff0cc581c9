"""Forecasts from a date of the record: the record replayed up to it, then ``start=``.

One rule aligns a date with the record's rounds, for every command that
starts from a date (``simulate``, ``compare``, ``sweep``, ``best-response``
``--until`` and ``backtest --cut``): the round that contains the date is the
first round forecast, the rounds strictly before it are known and replayed
(:func:`detente.backtest.runner.cut_round`). A date inside a round thus
hides the whole round from the forecast: it never sees an event after the
date, nor those of the first days of its round.

The replay has as many episodes as the forecast (episode ``n`` of the
forecast lives episode ``n``'s reading of the record), with the model's
perception noise drawn from the forecast's seed; docs/record.md.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.backtest.runner import BacktestError, cut_round
from detente.cli_common import fail, parse_date, user_errors
from detente.record.events import load_record
from detente.record.mapping import MappedRecord, RecordedRound, map_record
from detente.record.rules import load_mapping, mapping_path
from detente.scenario.compiled import CompiledScenario
from detente.simulate.replay import Replay, ReplayPlan
from detente.simulate.replay_commands import replay_record, run_replay


@dataclass(frozen=True)
class RecordSource:
    """Where a forecast's history comes from: an event file (or bundled name), its mapping."""

    events: str
    until: datetime.date | None = None
    mapping: str | None = None
    unit: str = "month"

    def mapped(self, scenario: str, compiled: CompiledScenario) -> MappedRecord:
        """The whole record mapped onto ``compiled`` (``scenario``: its name or file)."""
        rules = load_mapping(self.mapping or mapping_path(scenario), compiled)
        return map_record(compiled, load_record(self.events), rules, unit=self.unit)

    def known(self, mapped: MappedRecord) -> int:
        """The rounds known at ``until``; a date outside the record names the record."""
        try:
            return known_rounds(mapped, self.until, "--until")
        except BacktestError as err:
            raise BacktestError(f"{self.events}: {err}") from None


@dataclass(frozen=True)
class Known:
    """The rounds of a mapped record known at a date (a prefix of its rounds)."""

    rounds: tuple[RecordedRound, ...]


def known_rounds(mapped: MappedRecord, until: datetime.date | None, option: str) -> int:
    """How many rounds of the record are known at ``until`` (all of them without a date)."""
    if until is None:
        return len(mapped.rounds)
    return cut_round(mapped, until, option)


@dataclass(frozen=True)
class RecordStart:
    """A forecast's start: the record replayed up to a date, and where that left the roadmap."""

    until: datetime.date | None
    rounds: tuple[RecordedRound, ...]  # the known rounds
    played: Replay

    @property
    def plan(self) -> ReplayPlan:
        """The same replay as a plan (what a sweep's grid points replay on their own numbers)."""
        p = self.played
        moves = tuple(r.moves for r in self.rounds)
        return ReplayPlan(moves, seed=p.seed, episodes=p.episodes, noise=p.noise)

    def describe(self) -> dict[str, Any]:
        """Where the forecast starts, JSON-ready: the date, the last known round and its state.

        Stage and stall are counted over the replayed episodes (perception
        noise may part them); policies and agreements are episode 0's.
        """
        s, c = self.played.final, self.played.compiled
        last = self.rounds[-1] if self.rounds else None
        records = self.played.records(0)
        return {
            "until": None if self.until is None else self.until.isoformat(),
            "known_rounds": len(self.rounds),
            "first_round": None if not self.rounds else self.rounds[0].start.isoformat(),
            "last_round": None if last is None else [last.start.isoformat(), last.end.isoformat()],
            "stage": _shares(c.stages[int(x)] for x in s.stage),
            "stalled": float(s.stalled.mean()),
            "policies_in_force": records[-1]["policies_in_force"] if records else [],
            "agreements_in_force": records[-1]["agreements_in_force"] if records else [],
            "institutions_in_force": records[-1]["institutions_in_force"] if records else [],
            "replayed_episodes": self.played.episodes,
        }


def _shares(values: Any) -> dict[str, float]:
    counts = Counter(values)
    total = sum(counts.values())
    return {k: n / total for k, n in sorted(counts.items())}


def start_from_record(
    compiled: CompiledScenario,
    mapped: MappedRecord,
    until: datetime.date | None,
    *,
    seed: int = 0,
    episodes: int = 1,
    noise: bool = True,
    option: str = "--until",
    first_episode: int = 0,
) -> RecordStart:
    """The record's rounds known at ``until`` replayed through ``compiled`` (episodes
    ``first_episode`` ...)."""
    known = mapped.rounds[: known_rounds(mapped, until, option)]
    played = replay_record(
        compiled,
        Known(known),
        seed=seed,
        episodes=episodes,
        noise=noise,
        first_episode=first_episode,
    )
    return RecordStart(until, known, played)


def start_for(
    scenario: str,
    compiled: CompiledScenario,
    source: RecordSource | None,
    *,
    seed: int,
    episodes: int,
    mapped: MappedRecord | None = None,
) -> RecordStart | None:
    """The start a command's ``--events``/``--until`` ask for (None without ``--events``);
    ``mapped``: the record already mapped onto ``compiled``, if the caller has it.

    Raises ``RecordError`` (the file, the mapping, a date before the record)
    and ``BacktestError`` (a date outside the record's rounds): user errors.
    """
    if source is None:
        return None
    if mapped is None:
        mapped = source.mapped(scenario, compiled)
    source.known(mapped)
    return start_from_record(compiled, mapped, source.until, seed=seed, episodes=episodes)


def prefix(played: Replay, rounds: int) -> Replay:
    """The first ``rounds`` rounds of a replay: what a replay of only those would give."""
    return dataclasses.replace(played, rounds=played.rounds[:rounds])


def start_line(described: dict[str, Any]) -> str:
    """One line saying where a forecast starts (for the table output)."""
    if described["known_rounds"] == 0:
        return (
            f"from the record at {described['until']}: no round of the record known before "
            "it; the scenario's own start"
        )
    stage = ", ".join(f"{k} {v:.0%}" for k, v in described["stage"].items())
    first, (lo, hi) = described["first_round"], described["last_round"]
    policies = ", ".join(described["policies_in_force"] + described["institutions_in_force"])
    policies = policies or "none"
    agreements = ", ".join(described["agreements_in_force"]) or "none"
    until = described["until"] or "its end"
    return (
        f"from the record at {until}: {described['known_rounds']} rounds replayed "
        f"({first} .. {hi}; the last {lo} .. {hi}); stage (share of the replayed episodes) "
        f"{stage}; stalled in {described['stalled']:.0%} of the replayed episodes; in "
        f"episode 0, policies in force: {policies}; "
        f"agreements in force: {agreements}"
    )


def parse_source(events: str | None, until: str | None) -> RecordSource | None:
    """``--events`` and ``--until`` of a forecast command (``--until`` needs ``--events``)."""
    if events is None:
        if until is not None:
            fail("--until needs --events: the record the forecast starts from")
        return None
    return RecordSource(events, parse_date(until, "--until"))


def run_replay_command(
    scenario: str,
    source: RecordSource,
    since: str | None,
    *,
    seed: int,
    episodes: int,
    noise: bool,
    fmt: str,
    out: Path | None,
    report: Path | None,
) -> None:
    """``detente replay``: the record from ``--from`` to the rounds known at ``--until``."""
    from detente.record.errors import RecordError
    from detente.scenario import load_scenario
    from detente.scenario.compiled import compile_scenario

    first = parse_date(since, "--from")
    with user_errors(RecordError, BacktestError):
        compiled = compile_scenario(load_scenario(scenario))
        rules = load_mapping(source.mapping or mapping_path(scenario), compiled)
        mapped = map_record(
            compiled, load_record(source.events), rules, unit=source.unit, since=first
        )
        known = Known(mapped.rounds[: source.known(mapped)])
    run_replay(
        compiled, known, seed=seed, episodes=episodes, noise=noise, fmt=fmt, out=out, report=report
    )
