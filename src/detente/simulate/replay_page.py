"""The replay's report page: stage and trust over calendar time, the record's events marked.

Built like ``detente report``'s pages (:mod:`detente.report.page`): figures
on the Agg canvas with the object-oriented API, embedded as PNG in one
self-contained HTML page. Each event that became a move is a numbered
vertical line on both figures and a row of the table below them.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from detente.report.page import Plot, Section, render, table

TRUST_PAIRS = (("US", "DPRK"), ("DPRK", "US"), ("ROK", "DPRK"), ("DPRK", "ROK"), ("CHN", "DPRK"))
"""The pairs drawn (truster, trusted), those of them the scenario has; the mean of all pairs too."""


def marked_events(rounds: Sequence[Any]) -> list[tuple[datetime.date, str, list[str]]]:
    """The events that became moves, in date order: date, description, the moves they made."""
    made: dict[Any, list[str]] = {}
    for rnd in rounds:
        for move, events in rnd.origins.items():
            for e in events:
                made.setdefault(e, []).append(move)
    return [(e.date, e.description, made[e]) for e in sorted(made, key=lambda e: (e.date, e.row))]


def _day(text: str | datetime.date) -> float:
    """A day on a date axis (matplotlib's day numbers)."""
    day = datetime.date.fromisoformat(text) if isinstance(text, str) else text
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _mid(row: Mapping[str, Any]) -> float:
    """The middle of a round's period: where its state is drawn."""
    return (_day(row["start"]) + _day(row["end"]) + 1) / 2


def _marks(ax: Axes, marks: Sequence[tuple[datetime.date, str, list[str]]], label: bool) -> None:
    for i, (day, _, _) in enumerate(marks, start=1):
        ax.axvline(_day(day), color="tab:red", alpha=0.35, linewidth=0.8)
        if label:
            ax.annotate(
                str(i),
                (_day(day), 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=6,
                ha="center",
                va="bottom",
                rotation=90,
            )


def _figure() -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _dates(ax: Axes) -> None:
    ax.xaxis_date()
    ax.grid(axis="y", alpha=0.3)


def stage_figure(
    rows: Sequence[Mapping[str, Any]],
    stages: Sequence[str],
    marks: Sequence[tuple[datetime.date, str, list[str]]],
) -> Figure:
    """The stage after each round (a step), stalled rounds shaded, events as numbered lines."""
    fig = _figure()
    ax = fig.subplots()
    days = [_mid(r) for r in rows]
    ax.step(days, [stages.index(r["stage"]) for r in rows], where="mid", color="k")
    for r in rows:
        if r["stalled"]:
            ax.axvspan(_day(r["start"]), _day(r["end"]) + 1, color="grey", alpha=0.25, linewidth=0)
    ax.set_yticks(range(len(stages)), stages)
    ax.set_title("stage after each round (grey: stalled); red lines: the record's events", pad=14)
    _marks(ax, marks, label=True)
    _dates(ax)
    return fig


def trust_figure(
    rows: Sequence[Mapping[str, Any]], marks: Sequence[tuple[datetime.date, str, list[str]]]
) -> Figure:
    """Trust after each round: a few pairs and the mean of all; events as lines."""
    fig = _figure()
    ax = fig.subplots()
    days = [_mid(r) for r in rows]
    first = rows[0]["trust"]
    for i, j in TRUST_PAIRS:
        if i in first and j in first[i]:
            ax.plot(days, [r["trust"][i][j] for r in rows], marker=".", label=f"{i} trusts {j}")
    mean = [
        sum(v for row in r["trust"].values() for v in row.values())
        / sum(len(row) for row in r["trust"].values())
        for r in rows
    ]
    ax.plot(days, mean, "k--", label="mean of all pairs")
    ax.set(ylim=(0, 1), ylabel="trust", title="trust after each round")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    _marks(ax, marks, label=False)
    _dates(ax)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def replay_section(
    scenario: str,
    rows: Sequence[Mapping[str, Any]],
    stages: Sequence[str],
    rounds: Sequence[Any],
    episodes: int,
) -> Section:
    """The section: the two figures and the table of the numbered events."""
    marks = marked_events(rounds)
    first, last = rows[0]["start"], rows[-1]["end"]
    return Section(
        "replay",
        f"The record replayed through {scenario}, {first} to {last}",
        notes=[
            f"Episode 0 of {episodes} replayed (perception noise draws per episode). "
            "Numbered red lines: the record's events that became moves (table below)."
        ],
        html=[
            table(
                ["#", "date", "event", "moves"],
                [
                    [str(i), str(day), text, ", ".join(moves)]
                    for i, (day, text, moves) in enumerate(marks, start=1)
                ],
            )
        ],
        plots=[
            Plot("replay-stage", "Stage after each round", _png(stage_figure(rows, stages, marks))),
            Plot("replay-trust", "Trust after each round", _png(trust_figure(rows, marks))),
        ],
    )


def replay_page(section: Section) -> str:
    return render("detente replay", [section])
