"""A forecast in draws as tables for the command line: both intervals, the draws, what moves it.

The pooled summary is shown as any summary is (its intervals over episodes
clustered in draws), followed by the uncertain numbers, what each interval
covers in words, every outcome with its Monte Carlo and parameter intervals,
the rank correlations of the numbers with P(success) and a few draws from the
lowest P(success) to the highest. Tables fit 80 columns; intervals have the
one style of :mod:`detente.simulate.numbers`.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text

from detente.simulate.numbers import estimate, fixed, places_of, share
from detente.simulate.render import cell, summary_view, table, wrap
from detente.simulate.summary import Estimate
from detente.simulate.uncertainty import (
    DRAWS_MONTE_CARLO,
    Influence,
    ParameterSpread,
    UncertainSummary,
    draws,
    words,
)

SHOWN = 9  # draws in the table, evenly spaced from the lowest P(success) to the highest


def interval(e: Estimate | None, like: Estimate) -> str:
    """``(low to high)`` alone, to the decimals of the forecast ``like`` (a parameter interval
    is no more precise than the Monte Carlo error of the draws it comes from); ``-`` without one."""
    if e is None or e.low is None or e.high is None:
        return "-"
    places = places_of(like)
    if places is None:
        return estimate(e).partition(" ")[2]
    return f"({fixed(e.low, places)} to {fixed(e.high, places)})"


def correlation(i: Influence) -> str:
    """A rank correlation signed to two decimals; ``-`` where nothing varied."""
    return "-" if i.rank_correlation is None else f"{i.rank_correlation:+.2f}"


def _sd(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def shown_draws(success: np.ndarray, shown: int = SHOWN) -> list[int]:
    """Up to ``shown`` draws at evenly spaced ranks of P(success), lowest first."""
    order = np.argsort(success, kind="stable")
    ranks = np.unique(np.round(np.linspace(0, len(order) - 1, min(shown, len(order)))))
    return [int(order[int(r)]) for r in ranks]


def spread_view(s: ParameterSpread) -> Group:
    """The uncertain numbers, the two intervals in words and per outcome, the rank
    correlations with P(success), and draws from the lowest P(success) to the highest."""
    t = s.table
    head = [
        f"Uncertain numbers: {draws(t.draws)} x {t.episodes_per_draw} episodes "
        f"({int(t.episodes.sum()):,} episodes)",
        *(
            wrap(f"  [{j + 1}] {p} ~ {d}", "      ")
            for j, (p, d) in enumerate(zip(t.paths, t.described, strict=True))
        ),
        "",
        wrap(words(s), ""),
        *(wrap(f"Warning: {w}", "  ") for w in s.warnings),
    ]
    outcomes = table(
        "outcome",
        "forecast\n(Monte Carlo 95%)",
        f"parameter\ninterval ({s.level:.0%})",
        "sd across draws:\nobserved / numbers'",
    )
    for o in s.outcomes:
        noisy = "\n(too noisy)" if o.noisy else ""
        outcomes.add_row(
            o.label,
            cell(o.forecast),
            interval(o.parameter, o.forecast) + noisy,
            f"{_sd(o.observed_sd)} / {_sd(o.between_sd)}",
        )
    chance = "" if s.rank_noise is None else f"; |rho| > {s.rank_noise:.2f} is unlikely by chance"
    influence = table("uncertain number", "distribution", "rank correlation\nwith P(success)")
    for i in s.influence:
        influence.add_row(i.path, i.described, correlation(i))
    rows = shown_draws(t.success)
    shown = table(
        "draw", "its numbers\n[as listed]", "episodes", "P(success)", "P(stall)",
        "in stage # at\nthe end",
    )  # fmt: skip
    for d in rows:
        n = int(t.episodes[d])
        shown.add_row(
            str(t.first_draw + d),
            "\n".join(f"[{j + 1}] {t.values[d, j]:.4g}" for j in range(len(t.paths))),
            str(n),
            share(float(t.success[d]), n),
            share(float(t.stall[d]), n),
            "\n".join(
                f"{k + 1}: {share(float(t.final_stage[d, k]), n)}" for k in range(len(t.stages))
            ),
        )
    return Group(
        Text("\n".join(head)),
        Text(""),
        Text(wrap("Outcomes: the forecast, its Monte Carlo interval and its parameter interval")),
        outcomes,
        Text(
            wrap(
                "What moves P(success) most, simply: the Spearman rank correlation of each "
                f"number with the per-draw P(success) (not a Sobol index){chance}."
            )
        ),
        influence,
        Text(
            wrap(
                f"Draws from the lowest P(success) to the highest ({len(rows)} of {t.draws}; "
                "all of them are in the table --out writes)"
            )
        ),
        shown,
    )


def uncertain_view(u: UncertainSummary) -> Group:
    """The pooled summary (intervals over clustered episodes), then its parameter spread."""
    return Group(
        summary_view(u.summary, f"(a to b): the 95% interval of {DRAWS_MONTE_CARLO}"),
        Text(""),
        spread_view(u.spread),
    )
