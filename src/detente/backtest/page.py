"""The backtest's report page: the reliability diagram (matplotlib) and the score tables.

Built like the pages of ``detente report`` (:mod:`detente.report.page`): a
figure drawn on the Agg canvas with the object-oriented API, embedded as a
PNG in one self-contained HTML page.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from detente.backtest.render import BIN_HEADER, SCORE_HEADER, bin_row, heading, score_row
from detente.backtest.runner import Backtest
from detente.report.page import Plot, Section, render, table

READING = (
    "How to read the diagram: each point is a bin of forecasts; across, their mean "
    "probability; up, how often the event happened in those cases. Points on the diagonal "
    "are calibrated; below it the model said yes too often, above it too rarely. The bars "
    "show how many forecasts fell in each bin: a point of few cases says little."
)


def reliability_figure(b: Backtest) -> Figure:
    """Observed frequency against mean forecast per bin, per horizon; the counts below."""
    fig = Figure(figsize=(7.5, 8), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", label="calibrated")
    width = 0.1 / (len(b.horizons) + 1)
    for i, h in enumerate(b.horizons):
        bins = b.reliability(h)
        full = [x for x in bins if x.count]
        top.plot(
            [x.forecast for x in full],
            [x.observed for x in full],
            marker="o",
            label=f"H = {h} rounds",
        )
        bottom.bar(
            [x.low + width * (i + 0.5) for x in bins],
            [x.count for x in bins],
            width=width,
            align="edge",
            label=f"H = {h}",
        )
    top.set(
        xlim=(0, 1),
        ylim=(-0.02, 1.02),
        ylabel="observed frequency",
        title=f"{b.scenario}: reliability of {len(b.cases)} forecasts",
    )
    top.grid(alpha=0.3)
    top.legend(loc="upper left")
    bottom.set(xlabel="forecast probability (bins of 0.1)", ylabel="forecasts")
    bottom.set_xticks(np.linspace(0, 1, 11))
    bottom.legend(loc="upper center", fontsize="small")
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def backtest_section(b: Backtest) -> Section:
    """The section: what was run, how to read it, the scores, the reliability table and diagram."""
    plot = Plot("reliability", READING, _png(reliability_figure(b)))
    return Section(
        "backtest",
        "Backtest against the record",
        notes=heading(b).split("\n"),
        html=[
            table(list(SCORE_HEADER), [score_row(s) for s in b.scores()]),
            "<p>Reliability of every forecast (all questions, horizons and cuts):</p>",
            table(list(BIN_HEADER), [bin_row(x) for x in b.reliability()]),
        ],
        plots=[plot],
    )


def backtest_page(b: Backtest) -> str:
    """The whole HTML page of a backtest."""
    return render(f"detente backtest: {b.scenario}", [backtest_section(b)])
