"""What a report shows: the sections and plots for one or several results files.

One file gives its forecast; several files of the same scenario are also
compared, with paired differences when they cover the same episodes with the
same seed (as ``detente simulate`` runs with equal ``--episodes`` and
``--seed`` do: common random numbers). Plots that need trajectories say so
when a file has none, instead of failing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from detente.report import figures
from detente.report.page import Plot, Section, table
from detente.simulate.compare import paired_difference
from detente.simulate.numbers import INTERVALS
from detente.simulate.read import ResultsFileError, read_runs
from detente.simulate.results import Results, Trajectories
from detente.simulate.summary import NOTES, TRUST, Triggers, success_definitions

NO_TRAJECTORIES = (
    "{label} has no trajectories, so it has no plot of {what}; "
    "write them with `detente simulate ... --out {label}.parquet --trajectories`."
)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _plot(name: str, caption: str, fig: Figure) -> Plot:
    return Plot(name, caption, _png(fig))


def load_runs(paths: list[Path]) -> dict[str, Results]:
    """Results by label (the file's stem, or its path when stems repeat); one scenario only.

    A sweep file is split into its grid points, labelled by their settings (after the
    file's label when there are several files)."""
    stems = [p.stem for p in paths]
    labels = stems if len(set(stems)) == len(stems) else [str(p) for p in paths]
    runs = {}
    for label, path in zip(labels, paths, strict=True):
        for name, results in read_runs(path).items():
            runs[f"{label} {name}" if name and len(paths) > 1 else name or label] = results
    scenarios = {(r.scenario, r.parties, r.stages) for r in runs.values()}
    if len(scenarios) > 1:
        names = ", ".join(f"{label} ({r.scenario})" for label, r in runs.items())
        raise ResultsFileError(f"a report compares runs of one scenario; got {names}")
    return runs


def _overview(runs: dict[str, Results]) -> Section:
    rows = []
    for label, r in runs.items():
        s = r.summary()
        rows.append(
            [
                label,
                f"{r.n} x {r.rounds}",
                str(r.seed),
                ", ".join(f"{p}={spec}" for p, spec in r.profile.items()),
                str(s.success),
                str(s.reached),
                "-" if s.held_to_end is None else str(s.held_to_end),
                str(s.stall),
                "yes" if r.trajectories is not None else "no",
            ]
        )
    header = ["run", "episodes x rounds", "seed", "strategies", "P(success)"]
    header += ["P(reached)", "P(held to end)", "P(stalled at least once)", "trajectories"]
    first = next(iter(runs.values()))
    first_summary = first.summary()
    words = success_definitions(first_summary.success_counts, first_summary.hold_rounds)
    meaning = (
        f"<p>Reached: {escape(words['reached'])}. Held to end: {escape(words['held_to_end'])}. "
        f"Success {escape(words['success'])}. {escape(INTERVALS)}.</p>"
    )
    payoffs = table(
        ["run", *first.parties],
        [[label, *(str(p.discounted) for p in r.summary().parties)] for label, r in runs.items()],
    )
    return Section(
        "runs",
        f"Runs of {first.scenario}",
        html=[
            table(header, rows),
            meaning,
            f"<p>Mean discounted payoff per episode, {escape(NOTES['payoffs'])}:</p>",
            payoffs,
        ],
    )


TrajectoryFigure = Callable[[Results, Trajectories, str], Figure]


def _per_run(
    section: Section, runs: dict[str, Results], draw: TrajectoryFigure, name: str, what: str
) -> None:
    """A trajectory plot per run, or a note naming what is missing and how to get it."""
    for label, r in runs.items():
        if r.trajectories is None:
            section.notes.append(NO_TRAJECTORIES.format(label=label, what=what))
        else:
            caption = f"{label}: {what}."
            section.plots.append(_plot(f"{name}-{label}", caption, draw(r, r.trajectories, label)))


def _stages(runs: dict[str, Results]) -> Section:
    section = Section("stages", "Stage reached over rounds")
    section.plots.append(
        _plot(
            "reached-by-round",
            "Share of episodes that had reached each stage (and success) by each round.",
            figures.reached_by_round(runs),
        )
    )
    what = "the fan chart of the stage after each round (shares, then quantile bands)"
    _per_run(section, runs, figures.stage_fan, "stage-fan", what)
    return section


def _trust(runs: dict[str, Results]) -> Section:
    section = Section("trust", "Trust matrix over time")
    what = "the mean trust of the row party in the column party at a few rounds"
    _per_run(section, runs, figures.trust_snapshots, "trust", what)
    section.notes.append("Trust is recorded per round only, not per episode.")
    return section


def _payoffs(runs: dict[str, Results]) -> Section:
    caption = "Discounted payoff per episode, per party."
    fig = figures.payoff_distributions(runs)
    return Section("payoffs", "Payoff distributions", plots=[_plot("payoffs", caption, fig)])


def _paired(runs: dict[str, Results]) -> bool:
    """Whether every run covers the same episodes, rounds and seed as the first."""
    base = next(iter(runs.values()))
    return all(
        r.seed == base.seed
        and r.rounds == base.rounds
        and np.array_equal(r.episodes, base.episodes)
        for r in runs.values()
    )


def _comparison(runs: dict[str, Results]) -> Section:
    section = Section("comparison", "Comparison")
    section.plots.append(
        _plot("outcomes", "Each run's outcomes and payoffs.", figures.outcome_bars(runs))
    )
    baseline, *others = runs
    if _paired(runs):
        diffs = [paired_difference(name, runs[name], runs[baseline]) for name in others]
        caption = "Differences taken episode by episode, against the first file."
        section.plots.append(
            _plot("differences", caption, figures.paired_differences(diffs, baseline))
        )
    else:
        section.notes.append(
            "The runs differ in episodes, rounds or seed, so no paired differences: "
            "compare the intervals above instead."
        )
    return section


def _attribution(runs: dict[str, Results]) -> Section:
    """Per run: who triggered each rule that fired, then each party's setbacks and stalls."""
    section = Section("attribution", "Who triggered the breakdowns")
    rules: list[list[str]] = []
    kinds: list[list[str]] = []
    for label, r in runs.items():
        a = r.summary().attribution
        if a is None:
            section.notes.append(
                f"{label} was written before attribution was recorded; simulate it again "
                "to see who triggered its breakdowns."
            )
            continue
        for rule, t in a.rules.items():
            rules += [[label, rule, who, _share(x)] for who, x in t.triggerers()]
        back, stall = dict(a.back.triggerers()), dict(a.stall.triggerers())
        for who in [*a.back.by, TRUST]:
            if who in back or who in stall:
                kinds.append([label, who, _share(back.get(who)), _share(stall.get(who))])
    if rules:
        header = ["run", "breakdown rule", "by", "share of episodes; per episode"]
        section.html += [table(header, rules), table(["run", "by", "setbacks", "stalls"], kinds)]
    section.notes.append(
        "by: the party whose acts met the rule's trigger (its actions, the provocations it "
        "counted, the violation of an agreement); a firing met by two parties counts for both; "
        f"{TRUST}: trust below a threshold met it. Numbers: the share of episodes with at least "
        "one such firing; the firings per episode."
    )
    return section


def _share(x: Triggers | None) -> str:
    return "-" if x is None else f"{x.episodes:.3g}; {x.per_episode:.3g}"


def build(runs: dict[str, Results]) -> list[Section]:
    """Every section of the report, comparisons only for several runs."""
    sections = [_overview(runs), _stages(runs), _trust(runs), _payoffs(runs), _attribution(runs)]
    if len(runs) > 1:
        sections.append(_comparison(runs))
    return sections
