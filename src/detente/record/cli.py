"""The ``detente events`` commands: check an event file, print how it maps onto a scenario."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from detente.cli_common import check_format, parse_date, print_json, user_errors
from detente.record.errors import RecordError

if TYPE_CHECKING:
    from detente.record.rules import EventMapping
    from detente.scenario.compiled import CompiledScenario

events_app = typer.Typer(
    help="Dated events (CAMEO-coded): check a file, map it onto a scenario's rounds.",
    no_args_is_help=True,
)

EventsOpt = Annotated[
    str, typer.Option("--events", help="Event file (CSV or Parquet), or a bundled record: korea.")
]
MappingOpt = Annotated[
    str | None,
    typer.Option("--mapping", help="Mapping file (default: SCENARIO.mapping.yaml beside it)."),
]


@events_app.command("check")
def events_check(
    file: Annotated[str, typer.Argument(help="Event file (CSV or Parquet), or: korea.")],
    scenario: Annotated[
        str | None, typer.Option(help="Also check actors and actions against this scenario.")
    ] = None,
    mapping: MappingOpt = None,
) -> None:
    """Check an event file; every problem is reported (file, row, column), exit code 2 if any."""
    from detente.record.events import load_record
    from detente.simulate.render import console

    with user_errors(RecordError):
        record = load_record(file)
        if scenario is not None:
            from detente.record.mapping import check_record

            compiled, rules = _scenario_and_mapping(scenario, mapping)
            check_record(compiled, record, rules)
    first, last = record.events[0].date, record.events[-1].date
    flagged = sum(e.uncertain is not None for e in record.events)
    console().print(
        f"{record.path}: {len(record.events)} events, {first} to {last}, "
        f"{flagged} flagged uncertain: OK"
    )


@events_app.command("map")
def events_map(
    scenario: Annotated[str, typer.Argument(help="Built-in name or YAML file.")],
    events: EventsOpt,
    mapping: MappingOpt = None,
    round_unit: Annotated[str, typer.Option("--round", help="month, week or quarter.")] = "month",
    since: Annotated[str | None, typer.Option("--from", help="First day (ISO date).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day (ISO date).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Print how events become the scenario's moves, round by round, and what maps to nothing."""
    from detente.record.events import load_record
    from detente.record.mapping import map_record, mapped_payload, mapping_rows
    from detente.simulate.render import console, table

    check_format(fmt)
    start, stop = parse_date(since, "--from"), parse_date(until, "--until")
    with user_errors(RecordError):
        compiled, rules = _scenario_and_mapping(scenario, mapping)
        record = load_record(events)
        mapped = map_record(compiled, record, rules, unit=round_unit, since=start, until=stop)
    if fmt == "json":
        print_json(mapped_payload(mapped))
        return
    table_ = table("#", "from", "party", "move", "events")
    for row in mapping_rows(mapped):
        move = "\n".join(row["actions"] + [f"offers {c}" for c in row["offers"]])
        table_.add_row(
            str(row["round"] + 1), row["start"], row["party"], move, "\n".join(row["events"])
        )
    console().print(table_)
    for rnd in mapped.rounds:
        for note in rnd.notes:
            console().print(f"round {rnd.index + 1}: {note}")
    unmapped = table("event", "description", "reason")
    unmapped.title = "events that map to nothing"
    for event, why in mapped.unmapped:
        unmapped.add_row(event.label(), event.description, why)
    console().print(unmapped)
    console().print(
        f"{len(record.events)} events: {len(mapped.mapped_events())} mapped into "
        f"{len(mapped.rounds)} rounds, {len(mapped.unmapped)} unmapped"
    )
    for why, n in Counter(w for _, w in mapped.unmapped).most_common():
        console().print(f"  {n:3d}  {why}")


def _scenario_and_mapping(
    scenario: str, mapping: str | None
) -> tuple[CompiledScenario, EventMapping]:
    from detente.record.rules import load_mapping, mapping_path
    from detente.scenario import load_scenario
    from detente.scenario.compiled import compile_scenario

    compiled = compile_scenario(load_scenario(scenario))
    return compiled, load_mapping(mapping or mapping_path(scenario), compiled)
