"""The report's section on a forecast in draws: both intervals, and how P(success) spreads.

It is built from the per-draw table alone (as :func:`detente.simulate.uncertainty_files.read_draws`
gives it back), so a report can be made from the run's draws file. matplotlib
loads when the section is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from detente.report.page import Section, render, table
from detente.simulate.numbers import estimate
from detente.simulate.summary import Estimate
from detente.simulate.uncertainty import DrawTable, ParameterSpread, spread_of_table, words
from detente.simulate.uncertainty_view import correlation, interval

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def success_histogram(s: ParameterSpread) -> Figure:
    """Per-draw P(success) as a histogram, with the forecast, its Monte Carlo interval, the
    parameter interval and the uncorrected quantiles marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    o, t = s.success, s.table
    counts, _, _ = ax.hist(
        t.success, bins=min(30, max(5, t.draws // 3)), range=(0, 1), color="tab:blue", alpha=0.6
    )
    top = max(float(np.max(counts)), 1.0)
    marks = [
        (o.parameter, 1.1, "tab:orange", f"parameter interval ({s.level:.0%}, noise taken out)"),
        (Estimate(o.forecast.mean, *o.uncorrected), 1.18, "tab:brown", "raw quantiles (noise in)"),
        (o.forecast, 1.26, "k", "forecast, Monte Carlo 95%"),
    ]
    for e, height, colour, label in marks:
        if e is not None and e.low is not None and e.high is not None:
            ax.errorbar(
                [e.mean],
                [top * height],
                xerr=[[e.mean - e.low], [e.high - e.mean]],
                fmt="o",
                color=colour,
                capsize=4,
                label=label,
            )
    ax.axvline(o.forecast.mean, color="k", linewidth=0.8)
    ax.set(
        xlim=(0, 1),
        xlabel=f"P(success) of a draw ({t.episodes_per_draw} episodes each)",
        ylim=(0, top * 1.35),
        ylabel="draws",
        title=f"P(success) across {t.draws} draws of the uncertain numbers",
    )
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def every_draw(t: DrawTable) -> str:
    """The per-draw table as HTML: each draw's numbers, episodes and outcomes."""
    header = ["draw", *t.paths, "episodes", "P(success)", "P(stall)"]
    header += [f"P(in {s} at the end)" for s in t.stages]
    header += [f"{p}: mean discounted payoff" for p in t.parties]
    rows = [
        [
            str(t.first_draw + d),
            *(f"{v:.4g}" for v in t.values[d]),
            str(int(t.episodes[d])),
            *(f"{x:.3f}" for x in (t.success[d], t.stall[d], *t.final_stage[d])),
            *(f"{x:.4g}" for x in t.discounted[d]),
        ]
        for d in range(t.draws)
    ]
    return table(header, rows)


def draws_section(t: DrawTable, level: float = 0.9) -> Section:
    """The two intervals in words and per outcome, the rank correlations with P(success),
    every draw (folded) and the histogram of per-draw P(success)."""
    from detente.report.build import _plot

    s = spread_of_table(t, level)
    outcomes = table(
        ["outcome", "forecast (Monte Carlo 95%)", f"parameter interval ({s.level:.0%})",
         "raw quantiles", "noise share"],
        [
            [
                o.label,
                estimate(o.forecast),
                interval(o.parameter, o.forecast),
                interval(Estimate(o.forecast.mean, *o.uncorrected), o.forecast),
                "-" if o.noise_share is None else f"{o.noise_share:.0%}",
            ]
            for o in s.outcomes
        ],
    )  # fmt: skip
    influence = table(
        ["uncertain number", "distribution", "rank correlation with P(success)"],
        [[i.path, i.described, correlation(i)] for i in s.influence],
    )
    caption = (
        "Per-draw P(success); above it, the forecast with its Monte Carlo interval (black), "
        "the parameter interval (orange) and the raw quantiles, Monte Carlo noise included."
    )
    return Section(
        "uncertainty",
        "Uncertain numbers: the Monte Carlo and the parameter intervals",
        notes=[words(s), *s.warnings],
        html=[
            outcomes,
            "<p>Spearman rank correlation of each uncertain number with the per-draw "
            "P(success): a screening measure, not a Sobol index.</p>",
            influence,
            f"<details><summary>Every draw ({t.draws})</summary>{every_draw(t)}</details>",
        ],
        plots=[_plot("draws-success", caption, success_histogram(s))],
    )


def draws_page(t: DrawTable, level: float = 0.9) -> str:
    """A self-contained HTML page of the draws section alone."""
    return render(f"detente: {t.scenario} in {t.draws} draws", [draws_section(t, level)])
