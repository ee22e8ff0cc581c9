"""The ``detente`` command line: a thin shell over the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from detente.scenario import ScenarioError, builtin_names, builtin_text, load_scenario
from detente.scenario.schema import Scenario

app = typer.Typer(
    help="detente: the six-party roadmap for the Korean Peninsula as software.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
scenario_app = typer.Typer(
    help="List, show, validate scenarios; export the JSON Schema.", no_args_is_help=True
)
app.add_typer(scenario_app, name="scenario")

out = Console(highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a user error (no traceback) and exit."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    raise typer.Exit(code)


def load_or_fail(name_or_path: str) -> Scenario:
    try:
        return load_scenario(name_or_path)
    except ScenarioError as e:
        fail(str(e))


@scenario_app.command("list")
def scenario_list() -> None:
    """List the built-in scenarios."""
    table = Table("name", "title", "parties", "stages")
    for name in builtin_names():
        s = load_scenario(name)
        table.add_row(
            name,
            s.title,
            ", ".join(p.id for p in s.parties),
            " > ".join(st.id for st in s.roadmap.stages),
        )
    out.print(table)


@scenario_app.command("show")
def scenario_show(name: str) -> None:
    """Print a built-in scenario's YAML, comments included (a template to copy)."""
    try:
        sys.stdout.write(builtin_text(name))
    except ScenarioError as e:
        fail(str(e))


@scenario_app.command("validate")
def scenario_validate(files: list[Path]) -> None:
    """Validate scenario files; every problem is reported, exit code 2 if any."""
    bad = False
    for f in files:
        try:
            s = load_scenario(f)
        except ScenarioError as e:
            sys.stderr.write(f"{e}\n")
            bad = True
        else:
            out.print(
                f"{f}: ok ({s.id}: {len(s.parties)} parties, {len(s.actions)} actions, "
                f"{len(s.roadmap.stages)} stages)",
                markup=False,
            )
    if bad:
        raise typer.Exit(2)


@scenario_app.command("schema")
def scenario_schema() -> None:
    """Print the scenario format's JSON Schema."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n")


@app.command("run")
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in name or YAML file.")] = "korea",
    rounds: Annotated[int | None, typer.Option(min=1, help="Rounds (default: scenario's).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Play one deterministic episode in which every party offers every commitment; print it."""
    from detente.scenario.compiled import compile_scenario
    from detente.trace import play_episode

    compiled = compile_scenario(load_or_fail(scenario))
    horizon = rounds or compiled.scenario.rounds
    out.print(f"[bold]{compiled.scenario.title}[/bold] (seed {seed}, {horizon} rounds)")
    for state, events in play_episode(compiled, horizon, seed):
        stage = compiled.stages[int(state.arrays.stage[0])]
        if state.arrays.stalled[0]:
            stage += " (stalled)"
        executed = [
            f"{e.party}.{e.payload['action']}" for e in events if e.type == "action_executed"
        ]
        notes = [_describe(e.type, e.payload) for e in events if e.type in _ROADMAP_EVENTS]
        out.print(f"round {state.round:>3}  [cyan]{stage}[/cyan]", soft_wrap=True)
        out.print(f"    executed: {', '.join(executed) or '-'}", soft_wrap=True, markup=False)
        for note in notes:
            out.print(f"    {note}", soft_wrap=True, markup=False)
    totals = ", ".join(
        f"{p} {v:.1f}" for p, v in zip(compiled.parties, state.arrays.total[0], strict=True)
    )
    out.print(f"total payoffs: {totals}", soft_wrap=True)


_ROADMAP_EVENTS = {
    "agreement_reached",
    "agreement_violated",
    "stage_changed",
    "stalled",
    "resumed",
    "success",
    "track_advanced",
}


def _describe(kind: str, payload: dict[str, object]) -> str:
    if kind == "stage_changed":
        return f"{payload['from']} -> {payload['to']}"
    detail = ", ".join(str(v) for v in payload.values() if v is not None)
    return f"{kind.replace('_', ' ')}: {detail}"


def main() -> None:
    app()
