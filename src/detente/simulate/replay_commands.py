"""The body of ``detente replay``, and forecasts from a record, over a mapped record.

A record of dated events becomes one move per party and round in
``detente.record.mapping.map_record`` (its ``MappedRecord``); this module
takes anything of that shape (:class:`MappedRounds`: rounds with an index,
first and last day, moves and the events that fell in them), replays it
(:func:`~detente.simulate.replay.replay`) and writes the rounds as a table,
JSON or Parquet, each round with its calendar period. ``cli.py`` declares the
options and builds the mapped record (``load_events`` or ``bundled_record``,
then ``map_record`` with ``--from``, ``--until`` and ``--round``); see
docs/simulate.md.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from rich.console import Group
from rich.text import Text

from detente.cli_common import check_format, check_output, fail, print_json
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove
from detente.simulate.render import console, table, wrap
from detente.simulate.replay import Replay, replay


class MappedRound(Protocol):
    """One round of a mapped record (``detente.record.mapping.RecordedRound``)."""

    @property
    def index(self) -> int: ...
    @property
    def start(self) -> datetime.date: ...
    @property
    def end(self) -> datetime.date: ...
    @property
    def moves(self) -> Mapping[str, NamedMove]: ...
    @property
    def events(self) -> Sequence[Any]: ...


class MappedRounds(Protocol):
    """A mapped record (``detente.record.mapping.MappedRecord``): its rounds, in order."""

    @property
    def rounds(self) -> Sequence[MappedRound]: ...


def replay_record(
    compiled: CompiledScenario,
    mapped: MappedRounds,
    *,
    seed: int = 0,
    episodes: int = 1,
    noise: bool = True,
    first_episode: int = 0,
) -> Replay:
    """The mapped record's moves played through ``compiled``; what ``--events`` starts from
    (episodes ``first_episode`` ...)."""
    for i, rnd in enumerate(mapped.rounds):
        if rnd.index != i:
            raise ValueError(f"the mapped record's round {i} has index {rnd.index}: rounds missing")
    moves = [rnd.moves for rnd in mapped.rounds]
    return replay(
        compiled, moves, seed=seed, episodes=episodes, noise=noise, first_episode=first_episode
    )


def replay_rows(played: Replay, mapped: MappedRounds, b: int = 0) -> list[dict[str, Any]]:
    """Episode ``b``'s rounds, each with its calendar period and the record's events in it."""
    rows = []
    for rnd, record in zip(mapped.rounds, played.records(b), strict=True):
        described = [str(getattr(e, "description", e)) for e in rnd.events]
        rows.append(
            {"start": rnd.start.isoformat(), "end": rnd.end.isoformat(), "record": described}
            | record
        )
    return rows


def replay_table(rows: Sequence[Mapping[str, Any]], stages: Sequence[str]) -> Group:
    """One row a round: its first day, stage by number (stalled), tracks, agreements and
    policies, one item a line, so that the table fits 80 columns; then the stages' names,
    and the recorded moves the scenario refused, with their reasons."""
    t = table("#", "from", "stage", "tracks", "in force", "policies")
    for column, width in zip(t.columns[2:], (9, 10, 13, 18), strict=True):
        column.min_width = width
    t.columns[3].max_width = 13  # tracks wrap at "track: level"
    refused = []
    for row in rows:
        stage = f"{stages.index(row['stage']) + 1}" + (" stalled" if row["stalled"] else "")
        violated = [f"{d} violated" for d in row["agreements_violated"]]
        tracks = [f"{tr}: {lv}" for tr, lv in row["tracks"].items() if lv is not None]
        refused += [
            f"round {row['round']}: {r['party']}.{r['name']} ({r['reason']})"
            for r in row["refused"]
        ]
        t.add_row(
            str(row["round"]),
            row["start"],
            stage,
            "\n".join(tracks),
            "\n".join([*row["agreements_in_force"], *violated]),
            "\n".join([*row["policies_in_force"], *map(_level, row["institutions_in_force"])]),
        )
    legend = "stages: " + ", ".join(f"{i} {name}" for i, name in enumerate(stages, 1))
    notes = ["recorded moves the scenario refused (dropped):", *refused] if refused else []
    return Group(t, Text(wrap(legend)), *(Text(wrap(n, "    ")) for n in notes))


def _level(name: str) -> str:
    """``UNSC.sanctions.oil_cap`` as ``UNSC.sanctions: oil_cap`` (wraps at the space)."""
    policy, _, level = name.rpartition(".")
    return f"{policy}: {level}"


def write_replay_parquet(rows: Sequence[Mapping[str, Any]], out: Path) -> Path:
    """The rounds as Parquet, one row a round: flat columns, trust as ``trust_I_J``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    flat = []
    for row in rows:
        trust = {
            f"trust_{i}_{j}": value
            for i, row_i in row["trust"].items()
            for j, value in row_i.items()
        }
        flat.append(
            {
                "round": row["round"],
                "start": datetime.date.fromisoformat(row["start"]),
                "end": datetime.date.fromisoformat(row["end"]),
                "stage": row["stage"],
                "stalled": row["stalled"],
                "agreements_in_force": row["agreements_in_force"],
                "agreements_violated": row["agreements_violated"],
                "policies_in_force": row["policies_in_force"],
                "institutions_in_force": row["institutions_in_force"],
                "refused": [f"{r['party']}.{r['name']}" for r in row["refused"]],
                "record": row["record"],
            }
            | {f"track_{t}": lv for t, lv in row["tracks"].items()}
            | trust
        )
    pq.write_table(pa.Table.from_pylist(flat), out)
    return out


def run_replay(
    compiled: CompiledScenario,
    mapped: MappedRounds,
    *,
    seed: int,
    episodes: int,
    noise: bool,
    fmt: str,
    out: Path | None,
    report: Path | None = None,
) -> None:
    """``detente replay``: the record played through the scenario, printed (and saved);
    ``report``: an HTML page of stage and trust over calendar time, the events marked."""
    check_format(fmt)
    if not mapped.rounds:
        fail("the record has no round to replay (check --from and --until)")
    if report is not None and report.suffix != ".html":
        fail(f"--report {report}: the report page is HTML, give a file ending in .html")
    if out is not None:
        check_output(out)
    if report is not None:
        check_output(report, "--report")
    played = replay_record(compiled, mapped, seed=seed, episodes=episodes, noise=noise)
    rows = replay_rows(played, mapped)
    if fmt == "json":
        print_json({"scenario": compiled.scenario.id, "seed": seed, "rounds": rows})
    else:
        console().print(replay_table(rows, compiled.stages))
    if out is not None:
        sys.stderr.write(f"wrote {write_replay_parquet(rows, out)}\n")
    if report is not None:
        from detente.simulate.replay_page import replay_page, replay_section

        section = replay_section(
            compiled.scenario.id, rows, compiled.stages, mapped.rounds, episodes
        )
        report.write_text(replay_page(section), encoding="utf-8")
        sys.stderr.write(f"wrote {report}\n")
