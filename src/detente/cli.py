"""The ``detente`` command line: a thin shell over the library."""

from __future__ import annotations

import contextlib
import enum
import inspect
import json
import math
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from detente.cli_common import fail, parse_date
from detente.record.cli import events_app
from detente.scenario import ScenarioError, builtin_names, builtin_text, load_scenario
from detente.scenario.schema import Scenario

if TYPE_CHECKING:
    from detente.strategies.registry import StrategyClass

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
app.add_typer(events_app, name="events")

out = Console(highlight=False)

ScenarioArg = Annotated[str, typer.Argument(help="Built-in name or YAML file.")]
EpisodesOpt = Annotated[int, typer.Option(min=1, help="Episodes to simulate.")]
RoundsOpt = Annotated[int | None, typer.Option(min=1, help="Rounds (default: scenario's).")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a scenario number: PATH=VALUE, e.g. noise.miss=0.1."),
]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or estimate on stderr.")]
PosteriorOpt = Annotated[
    Path | None,
    typer.Option(
        "--posterior",
        help="A calibration's posterior file (JSON): its numbers are drawn from it.",
    ),
]
DrawsOpt = Annotated[
    int | None,
    typer.Option(
        "--draws",
        min=1,
        help="Draws of the uncertain numbers (distributions in the scenario or --posterior), "
        "the episodes shared among them (default 100).",
    ),
]
FromEventsOpt = Annotated[
    str | None,
    typer.Option(
        "--events",
        help="Start from the record: an event file (CSV or Parquet) or a bundled one (korea).",
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="With --events: the date the forecast starts from (the rounds before the one "
        "containing it are replayed; default: the whole record).",
    ),
]


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
    """Validate scenario files; every problem is reported, exit code 2 if any.

    Distributions are checked where they stand and the scenario at their medians."""
    from detente.scenario.uncertain import load_uncertain

    bad = False
    for f in files:
        try:
            u = load_uncertain(f)
        except ScenarioError as e:
            sys.stderr.write(f"{e}\n")
            bad = True
        else:
            s = u.nominal
            drawn = f"; uncertain: {', '.join(u.paths)}" if u.numbers else ""
            out.print(
                f"{f}: ok ({s.id}: {len(s.parties)} parties, {len(s.actions)} actions, "
                f"{len(s.roadmap.stages)} stages{drawn})",
                markup=False,
            )
    if bad:
        raise typer.Exit(2)


@scenario_app.command("schema")
def scenario_schema() -> None:
    """Print the scenario format's JSON Schema."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n")


BASES = ("source", "estimate", "assumption", "none")


@scenario_app.command("numbers")
def scenario_numbers(
    scenario: ScenarioArg = "korea",
    basis: Annotated[
        list[str] | None,
        typer.Option(help="Only numbers of this basis: source, estimate, assumption or none."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Every number a scenario writes, with its basis, rationale and source.

    Basis ``none`` lists the numbers no provenance entry covers. Paths are
    ``--set`` paths, ready for overrides and sweeps.
    """
    from detente.cli_common import check_format, print_json, user_errors
    from detente.scenario.overrides import load_document
    from detente.scenario.provenance import numbers

    check_format(fmt)
    wanted = set(basis or BASES)
    if unknown := sorted(wanted - set(BASES)):
        fail(f"--basis must be one of {', '.join(BASES)}, got {', '.join(map(repr, unknown))}")
    with user_errors():
        doc, _ = load_document(scenario)
    rows = [n for n in numbers(doc) if (n.basis or "none") in wanted]
    if fmt == "json":
        print_json({"scenario": scenario, "numbers": [vars(n) for n in rows]})
        return
    table = Table("path", "value", "basis", "rationale", "source")
    table.columns[0].overflow = "fold"
    for n in rows:
        cells = (n.path, f"{n.value:g}", n.basis or "-", n.rationale, n.source)
        table.add_row(*(Text(cell) for cell in cells))
    out.print(table)
    counts = {b: sum((n.basis or "none") == b for n in rows) for b in BASES if b in wanted}
    out.print(
        f"{len(rows)} numbers: " + ", ".join(f"{c} {b}" for b, c in counts.items()), markup=False
    )


@app.command("run")
def run(
    scenario: ScenarioArg = "korea",
    strategy: Annotated[
        list[str] | None,
        typer.Option(help="PARTY=NAME[:param=value]...; parties not named play their default."),
    ] = None,
    rounds: RoundsOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    episode: Annotated[
        int | None, typer.Option(min=0, help="Which episode of the simulation (default: 0).")
    ] = None,
    pick: Annotated[
        str | None,
        typer.Option(
            help="typical, success or collapse: simulate --episodes episodes and tell the "
            "typical one of that kind (median discounted payoff summed over the parties). "
            "A collapse never reached success and ended stalled, or back in the first stage "
            "after reaching a later one."
        ),
    ] = None,
    episodes: Annotated[
        int, typer.Option(min=1, help="With --pick: episodes simulated to pick from.")
    ] = 200,
) -> None:
    """Play one episode of a simulation (same profile, seed and episode id) and tell it round
    by round."""
    from detente.cli_common import user_errors
    from detente.scenario.compiled import compile_scenario
    from detente.simulate.narrate import PICKS, NoSuchEpisodeError, narrate
    from detente.simulate.narrate import pick as pick_episode
    from detente.simulate.profile import parse_assignments
    from detente.simulate.runner import simulate
    from detente.strategies import StrategyError

    if pick is not None and pick not in PICKS:
        fail(f"--pick must be one of {', '.join(PICKS)}, got {pick!r}")
    if pick is not None and episode is not None:
        fail("--pick chooses the episode: give --pick or --episode, not both")
    compiled = compile_scenario(load_or_fail(scenario))
    with user_errors(StrategyError, NoSuchEpisodeError):
        profile = parse_assignments(strategy or [])
        chosen = episode or 0
        if pick is not None:
            results = simulate(compiled, profile, episodes, rounds, seed)
            picked = pick_episode(results, pick)
            out.print(f"picked {picked.why}", soft_wrap=True, markup=False)
            chosen = picked.episode
        for line in narrate(compiled, profile, rounds, seed, chosen):
            out.print(line, soft_wrap=True, markup=False)


@app.command("strategies")
def strategies_command(
    fmt: FormatOpt = "table",
) -> None:
    """List the registered strategies: parameters, tags and what each does."""
    from detente.cli_common import check_format, print_json
    from detente.strategies import registry

    check_format(fmt)
    rows = [
        _strategy_row(name, registry.strategy_class(name)) for name in registry.strategy_names()
    ]
    if fmt == "json":
        print_json({"strategies": rows})
        return
    width = min(out.width, 80)
    for row in rows:
        tags = "; ".join(row["tags"])
        out.print(f"[bold]{row['name']}[/bold]  [dim]{tags}[/dim]", width=width)
        lines = [", ".join(_shown(p) for p in row["parameters"])] if row["parameters"] else []
        for text in [*lines, row["summary"]]:
            for line in textwrap.wrap(text, width - 4) or [""]:
                out.print(f"    {line}", width=width, markup=False, highlight=False)


@app.command("simulate")
def simulate_command(
    scenario: ScenarioArg = "korea",
    episodes: EpisodesOpt = 10_000,
    rounds: RoundsOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    strategy: Annotated[
        list[str] | None,
        typer.Option(
            help="PARTY=NAME[:param=value]...; parties not named play their default. "
            "Strategies: docs/simulate.md."
        ),
    ] = None,
    set_: SetOpt = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write one row per episode to this file: Parquet, or CSV for a .csv name."
        ),
    ] = None,
    trajectories: Annotated[
        bool,
        typer.Option(
            "--trajectories", help="With --out: also write stage, stall, trust per round."
        ),
    ] = False,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
    events: FromEventsOpt = None,
    until: UntilOpt = None,
    draws: DrawsOpt = None,
    posterior: PosteriorOpt = None,
) -> None:
    """Monte Carlo forecast of a roadmap under a strategy profile (see docs/simulate.md)."""
    from detente.simulate.commands import run_simulate
    from detente.simulate.from_record import parse_source

    run_simulate(
        scenario,
        episodes,
        rounds,
        seed,
        strategy or [],
        set_ or [],
        out_file,
        trajectories,
        fmt,
        quiet,
        parse_source(events, until),
        draws,
        posterior,
    )


@app.command("compare")
def compare_command(
    scenario: ScenarioArg = "korea",
    profile: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=PARTY=STRATEGY,PARTY=STRATEGY; at least two, the first a baseline."
        ),
    ] = None,
    episodes: EpisodesOpt = 10_000,
    rounds: RoundsOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed shared by all profiles.")] = 0,
    set_: SetOpt = None,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
    events: FromEventsOpt = None,
    until: UntilOpt = None,
    draws: DrawsOpt = None,
    posterior: PosteriorOpt = None,
) -> None:
    """Compare strategy profiles on common random numbers, with paired confidence intervals."""
    from detente.simulate.commands import run_compare
    from detente.simulate.from_record import parse_source

    source = parse_source(events, until)
    run_compare(
        scenario,
        profile or [],
        episodes,
        rounds,
        seed,
        set_ or [],
        fmt,
        quiet,
        source,
        draws,
        posterior,
    )


@app.command("best-response")
def best_response_command(
    party: Annotated[str, typer.Option(help="The party whose best response is sought.")],
    scenario: ScenarioArg = "korea",
    candidate: Annotated[
        list[str] | None,
        typer.Option(
            help="A candidate strategy spec (repeatable); default: every registered strategy "
            "that can play the party."
        ),
    ] = None,
    strategy: Annotated[
        list[str] | None,
        typer.Option(help="PARTY=NAME[:param=value]... for the others; the rest their default."),
    ] = None,
    episodes: EpisodesOpt = 2_000,
    rounds: RoundsOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed shared by all candidates.")] = 0,
    set_: SetOpt = None,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
    events: FromEventsOpt = None,
    until: UntilOpt = None,
) -> None:
    """The party's best response to the others' strategies among candidates, by simulation."""
    from detente.simulate.commands import run_best_response
    from detente.simulate.from_record import parse_source

    source = parse_source(events, until)
    run_best_response(
        scenario,
        party,
        candidate,
        strategy or [],
        episodes,
        rounds,
        seed,
        set_ or [],
        fmt,
        quiet,
        source,
    )


@app.command("bargain")
def bargain_command(
    scenario: ScenarioArg = "korea",
    stage: Annotated[
        str | None, typer.Option(help="Stage id or number (default: the second stage).")
    ] = None,
    parties: Annotated[
        str | None, typer.Option(help="P,Q,...: the bargaining parties (default: all).")
    ] = None,
    solution: Annotated[
        str, typer.Option(help="nash, egalitarian, utilitarian, kalai or all.")
    ] = "all",
    disagreement: Annotated[
        str,
        typer.Option(
            help="default_moves (each party's default move continued), status_quo (nobody "
            "acts), v1,v2,... in party order, or PARTY=v,... (present values)."
        ),
    ] = "default_moves",
    horizon: Annotated[
        int | None,
        typer.Option(min=1, help="Last round valued (default: the scenario's rounds)."),
    ] = None,
    from_round: Annotated[
        int | None, typer.Option(min=1, help="First round valued, undiscounted (default 1).")
    ] = None,
    normalise: Annotated[
        bool, typer.Option(help="Rescale each party's gains by its range over the packages.")
    ] = False,
    free: Annotated[
        str | None,
        typer.Option(help="P.action,...: actions allowed outright though commitments offer them."),
    ] = None,
    include_provocations: Annotated[
        bool, typer.Option(help="Let provocations be part of a package.")
    ] = False,
    set_: SetOpt = None,
    frontier: Annotated[bool, typer.Option(help="Also compute the Pareto frontier.")] = False,
    max_frontier: Annotated[
        int, typer.Option(min=1, help="Largest frontier to enumerate.")
    ] = 10_000,
    time_limit: Annotated[
        float | None, typer.Option(min=0.0, help="Seconds; then 'best found, not proven'.")
    ] = None,
    as_deal: Annotated[
        str | None, typer.Option(help="Write the package as a deal of this id into a copy.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where --as-deal writes the scenario.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Balance of interests: Nash, egalitarian, utilitarian and Kalai packages of a stage.

    Packages respect the scenario's deals, are valued as present values over the
    horizon, and are measured against the default moves continued.
    """
    from detente.bargain.commands import run_bargain

    run_bargain(
        scenario,
        stage,
        parties,
        solution,
        disagreement,
        include_provocations,
        set_ or [],
        frontier,
        max_frontier,
        time_limit,
        as_deal,
        out_file,
        fmt,
        horizon,
        from_round,
        normalise,
        free,
    )


@app.command("sweep")
def sweep_command(
    scenario: ScenarioArg = "korea",
    grid: Annotated[
        list[str] | None,
        typer.Option(help="PATH=V1,V2,...: a swept scenario number; repeat for a grid."),
    ] = None,
    episodes: EpisodesOpt = 10_000,
    rounds: RoundsOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed shared by all grid points.")] = 0,
    strategy: Annotated[
        list[str] | None, typer.Option(help="PARTY=NAME[:param=value]..., as in simulate.")
    ] = None,
    set_: SetOpt = None,
    backend: Annotated[str, typer.Option(help="local (a process pool) or ray.")] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (default: start a local Ray).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes (local) or CPUs of a local Ray.")
    ] = None,
    task_episodes: Annotated[int, typer.Option(min=1, help="Episodes per task.")] = 5_000,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write every point's episodes to this Parquet file."),
    ] = None,
    fmt: FormatOpt = "table",
    events: FromEventsOpt = None,
    until: UntilOpt = None,
) -> None:
    """Sweep a grid of scenario numbers on a process pool or Ray (see docs/simulate.md)."""
    from detente.simulate.from_record import parse_source
    from detente.sweep.commands import run_sweep

    run_sweep(
        scenario,
        grid or [],
        episodes,
        rounds,
        seed,
        strategy or [],
        set_ or [],
        backend,
        address,
        workers,
        task_episodes,
        out_file,
        fmt,
        parse_source(events, until),
    )


@app.command("sensitivity")
def sensitivity_command(
    scenario: ScenarioArg = "korea",
    method: Annotated[str, typer.Option(help="morris (screening) or sobol (variance shares).")] = (
        "morris"
    ),
    param: Annotated[
        list[str] | None,
        typer.Option(
            help="PATH=LOW:HIGH (or PATH: default range); default: the scenario's assumptions."
        ),
    ] = None,
    output: Annotated[
        list[str] | None,
        typer.Option(help="success, stall, final_stage or payoff.PARTY; repeatable."),
    ] = None,
    samples: Annotated[
        int, typer.Option(help="Morris trajectories, or Sobol base samples (a power of 2).")
    ] = 10,
    episodes: EpisodesOpt = 2_000,
    seed: Annotated[int, typer.Option(help="Seed of the design and of every model run.")] = 0,
    strategy: Annotated[
        list[str] | None, typer.Option(help="PARTY=NAME[:param=value]..., as in simulate.")
    ] = None,
    set_: SetOpt = None,
    backend: Annotated[str, typer.Option(help="local (a process pool) or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes (local) or CPUs of a local Ray.")
    ] = None,
    fmt: FormatOpt = "table",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the indices to this Parquet file.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write an HTML report with a bar chart per output.")
    ] = None,
    top: Annotated[
        int | None, typer.Option(min=1, help="Table: only the N highest-ranked per output.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Rank a scenario's numbers by their effect on its outcomes (see docs/sensitivity.md)."""
    from detente.sensitivity.commands import run_sensitivity

    run_sensitivity(
        scenario,
        method,
        param or [],
        output or [],
        samples,
        episodes,
        seed,
        strategy or [],
        set_ or [],
        backend,
        workers,
        fmt,
        out_file,
        report,
        top,
        quiet,
    )


@app.command("calibrate")
def calibrate_command(
    scenario: ScenarioArg,
    events: Annotated[
        str, typer.Option("--events", help="Event file (CSV or Parquet), or a bundled one: korea.")
    ],
    until: Annotated[
        str, typer.Option(help="Fit the rounds of the record before the one containing this date.")
    ],
    param: Annotated[
        list[str], typer.Option(help="PATH=PRIOR, e.g. noise.false_alarm=beta(2,30); repeatable.")
    ],
    population: Annotated[int, typer.Option(help="Particles per generation.")] = 100,
    generations: Annotated[int, typer.Option(help="At most this many generations.")] = 5,
    episodes_per_particle: Annotated[
        int, typer.Option(help="Episodes each particle plays (its weight: the share close enough).")
    ] = 20,
    max_simulations: Annotated[
        int | None,
        typer.Option(help="Stop after this many simulations (default 20 x population x gens+1)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the run (reproducible on one worker).")] = 0,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes; more than 1 is faster, not reproducible.")
    ] = 1,
    strategy: Annotated[
        list[str] | None, typer.Option(help="PARTY=NAME[:param=value]..., as in simulate.")
    ] = None,
    set_: SetOpt = None,
    mapping: Annotated[
        str | None, typer.Option(help="Mapping file (default: SCENARIO.mapping.yaml beside it).")
    ] = None,
    db: Annotated[
        Path | None, typer.Option(help="Keep pyabc's SQLite history here (default: a temp file).")
    ] = None,
    fmt: FormatOpt = "table",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the posterior file (JSON) here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write an HTML page with the marginals here.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Fit numbers of a scenario to the record by ABC-SMC (see docs/calibrate.md)."""
    from detente.calibrate.commands import run_calibrate

    run_calibrate(
        scenario,
        events,
        until,
        param,
        population=population,
        generations=generations,
        episodes=episodes_per_particle,
        max_simulations=max_simulations,
        seed=seed,
        workers=workers,
        strategies=strategy or [],
        overrides=set_ or [],
        mapping=mapping,
        db=db,
        fmt=fmt,
        out=out_file,
        report=report,
        quiet=quiet,
    )


@app.command("report")
def report_command(
    results: Annotated[
        list[Path],
        typer.Argument(help="Results files of `detente simulate --out`; several are compared."),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="The HTML page to write.")] = Path(
        "report.html"
    ),
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write every figure as PNG to this folder.")
    ] = None,
) -> None:
    """A self-contained HTML report with plots of one or more simulation results."""
    from detente.report.commands import run_report

    run_report(results, out_file, png)


@app.command("replay")
def replay_command(
    scenario: ScenarioArg,
    events: Annotated[
        str, typer.Option("--events", help="Event file (CSV or Parquet), or a bundled one: korea.")
    ],
    since: Annotated[str | None, typer.Option("--from", help="First day (ISO date).")] = None,
    until: Annotated[
        str | None,
        typer.Option(help="A forecast's date: replay the rounds before the one containing it."),
    ] = None,
    round_unit: Annotated[str, typer.Option("--round", help="month, week or quarter.")] = "month",
    mapping: Annotated[
        str | None, typer.Option(help="Mapping file (default: SCENARIO.mapping.yaml beside it).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the perception noise.")] = 0,
    episodes: Annotated[int, typer.Option(min=1, help="Episodes replayed (episode 0 shown).")] = 1,
    noise: Annotated[bool, typer.Option(help="Perception noise (--no-noise: exact).")] = True,
    fmt: FormatOpt = "table",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write one row per round to this Parquet file.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write stage and trust over time as an HTML page.")
    ] = None,
) -> None:
    """Play a record of dated events through a scenario, round by round (docs/record.md)."""
    from detente.simulate.from_record import RecordSource, run_replay_command

    source = RecordSource(events, parse_date(until, "--until"), mapping, round_unit)
    run_replay_command(
        scenario,
        source,
        since,
        seed=seed,
        episodes=episodes,
        noise=noise,
        fmt=fmt,
        out=out_file,
        report=report,
    )


@app.command("backtest")
def backtest_command(
    scenario: ScenarioArg,
    events: Annotated[
        Path, typer.Option("--events", help="Event file (CSV or Parquet), or a bundled one: korea.")
    ],
    cut: Annotated[
        list[str], typer.Option("--cut", help="A date forecasts start from (repeatable).")
    ],
    horizon: Annotated[str, typer.Option(help="Windows in rounds, e.g. 6,12.")] = "6,12",
    questions: Annotated[
        Path | None, typer.Option(help="A question file (default: the scenario's).")
    ] = None,
    episodes: EpisodesOpt = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    strategy: Annotated[
        list[str] | None, typer.Option(help="PARTY=NAME[:param=value]..., as in simulate.")
    ] = None,
    set_: SetOpt = None,
    fmt: FormatOpt = "table",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the report page (HTML) here.")
    ] = None,
    posterior: Annotated[
        Path | None,
        typer.Option(help="Forecast over draws of a calibration's posterior (JSON)."),
    ] = None,
    draws: Annotated[
        int | None, typer.Option(min=1, help="With --posterior: draws (default 100).")
    ] = None,
) -> None:
    """Forecast yes/no questions from cut dates and score them against the record
    (docs/backtest.md)."""
    from detente.backtest.commands import run_backtest
    from detente.backtest.wiring import record_wiring

    run_backtest(
        scenario,
        events,
        cut,
        horizon,
        questions,
        episodes,
        seed,
        strategy or [],
        set_ or [],
        fmt,
        out_file,
        record_wiring(scenario),
        posterior,
        draws,
    )


def _strategy_row(name: str, cls: StrategyClass) -> dict[str, Any]:
    """One registered strategy as ``detente strategies`` shows it (JSON-ready)."""
    from detente.strategies import EpisodeStrategy, parameters

    doc = inspect.getdoc(cls) or ""
    c = cls.classifier
    memory: int | str = "inf" if math.isinf(c.memory_depth) else int(c.memory_depth)
    flags = [("stochastic", c.stochastic), ("reciprocal", c.reciprocal)]
    tags = [f"memory {memory}", *(tag for tag, on in flags if on)]
    if c.uses:
        tags.append("uses " + ", ".join(sorted(c.uses)))
    per_episode = issubclass(cls, EpisodeStrategy)
    if per_episode:
        tags.append("per-episode")
    return {
        "name": name,
        "summary": (doc.splitlines() or [""])[0].replace("``", ""),
        "kind": "per_episode" if per_episode else "vectorised",
        "parameters": [
            {"name": p.name, "type": p.kind.__name__, "default": p.default, "optional": p.optional}
            for p in parameters(cls).values()
        ],
        "classifier": {
            "memory_depth": memory,
            "stochastic": c.stochastic,
            "reciprocal": c.reciprocal,
            "uses": sorted(c.uses),
        },
        "tags": tags,
    }


def _shown(p: dict[str, Any]) -> str:
    """A parameter as ``name: type = default``, the default as a spec would write it."""
    kind = p["type"] + ("|none" if p["optional"] else "")
    value = p["default"]
    if value is None or isinstance(value, bool):
        default = str(value).lower()
    else:
        default = f"{value:.3g}" if isinstance(value, float) else str(value)
    return f"{p['name']}: {kind} = {default}"


ledger_app = typer.Typer(
    help="Verify and export the ledger of live sessions.", no_args_is_help=True
)
app.add_typer(ledger_app, name="ledger")
DbArg = Annotated[str, typer.Argument(help="Database: an SQLite file or a SQLAlchemy URL.")]
SessionOpt = Annotated[str | None, typer.Option("--session", help="Only this session.")]
DbOpt = Annotated[str, typer.Option("--db", help="SQLite file or SQLAlchemy URL.")]
HostOpt = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")]


class LogLevelName(enum.StrEnum):
    """``serve --log-level``: the least level of what the server logs."""

    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


@app.command("serve")
def serve_command(
    db: DbOpt = "detente.db",
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    sessions_per_minute: Annotated[
        float,
        typer.Option(min=0, help="Sessions one client address may create a minute (0: no limit)."),
    ] = 30,
    api_docs: Annotated[
        bool, typer.Option(help="Serve Swagger UI at /docs (its assets come from a CDN).")
    ] = False,
    log_level: Annotated[
        LogLevelName,
        typer.Option(
            case_sensitive=False,
            help="Least level logged on stdout: info logs every request, warning only problems.",
        ),
    ] = LogLevelName.info,
) -> None:
    """Serve live sessions and the dashboard (see docs/serve.md); print the URL, then a log."""
    from detente.server.limits import ServerLimits
    from detente.server.run import serve

    limits = ServerLimits(sessions_per_minute=sessions_per_minute)
    serve(db, host, port, limits, api_docs, log_level.value)


@ledger_app.command("verify")
def ledger_verify(
    db: DbArg,
    session: SessionOpt = None,
    receipts: Annotated[
        str | None,
        typer.Option(
            "--receipts",
            help="JSON Lines file of receipts (or acknowledgements carrying one): "
            "the ledger must still hold each event they vouch for, with their hash.",
        ),
    ] = None,
) -> None:
    """Check every hash chain and replay every round, read-only; exit code 1 naming the first bad
    event (or a receipt the ledger no longer honours)."""
    from detente.ledger.commands import LedgerOpenError, run_verify
    from detente.ledger.receipts import ReceiptsError

    try:
        code = run_verify(db, session, receipts=receipts)
    except (LedgerOpenError, ReceiptsError) as e:
        fail(str(e))
    raise typer.Exit(code)


@ledger_app.command("export")
def ledger_export(db: DbArg, session: SessionOpt = None) -> None:
    """Write the ledger as JSON Lines (one event a line, hashes included) to stdout."""
    from detente.ledger.commands import LedgerOpenError, run_export

    try:
        code = run_export(db, session)
    except LedgerOpenError as e:
        fail(str(e))
    raise typer.Exit(code)


@app.command("play")
def play_command(
    url: Annotated[str, typer.Argument(help="Server URL, e.g. http://127.0.0.1:8000.")],
    seat: Annotated[str, typer.Option(help="The seat token.")],
    strategy: Annotated[str, typer.Option(help="Strategy spec, e.g. tit_for_tat.")],
    seed: Annotated[int | None, typer.Option(help="Seed of the strategy's draws.")] = None,
    receipts: Annotated[
        Path | None,
        typer.Option(help="Append each acknowledgement (with its ledger receipt) to this file."),
    ] = None,
) -> None:
    """Play a seat of a live session with a strategy of the library until it closes."""
    from detente.players.bot import play
    from detente.players.client import SeatError
    from detente.strategies import StrategyError

    try:
        with contextlib.ExitStack() as stack:
            kept = None if receipts is None else stack.enter_context(receipts.open("a"))
            final = play(url, seat, strategy, seed, receipts=kept)
    except OSError as e:
        fail(f"{receipts}: cannot write the receipts: {e.strerror}")
    except (SeatError, StrategyError, ValueError) as e:
        fail(str(e))
    out.print(f"session closed in round {final['round']}, stage {final['stage']}", markup=False)


@app.command("demo-session")
def demo_session_command(
    db: DbOpt = "detente-demo.db",
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    scenario: Annotated[str, typer.Option(help="Built-in scenario.")] = "korea",
    person: Annotated[str, typer.Option(help="The party a person plays.")] = "ROK",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    round_seconds: Annotated[float, typer.Option(min=1, help="Deadline of each round.")] = 300,
) -> None:
    """Start a server with a session: bots in five seats, a person in one (prints the seat link
    and the `detente play` command that plays it)."""
    from detente.players.demo import demo_session

    try:
        demo_session(db, host, port, scenario, person, seed, round_seconds)
    except ValueError as e:
        fail(str(e))


def main() -> None:
    app()
