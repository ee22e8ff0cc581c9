"""The report's plots, one function per figure, drawn with matplotlib's Agg canvas.

Figures are built with the object-oriented API (``Figure``, not pyplot), so
no global backend or window state is touched: a report can be made from a
notebook, a server or a headless CI machine alike.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from detente.simulate.compare import Difference
from detente.simulate.results import Results, Trajectories
from detente.simulate.summary import Estimate

BANDS = ((0.05, 0.95), (0.25, 0.75))  # outer and inner quantile bands of the fan chart
TRUST_SNAPSHOTS = 4


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _errors(estimates: list[Estimate]) -> np.ndarray:
    """Asymmetric error bars (2 x n) from intervals; zero where there is none."""
    return np.array(
        [
            [e.mean - (e.low if e.low is not None else e.mean) for e in estimates],
            [(e.high if e.high is not None else e.mean) - e.mean for e in estimates],
        ]
    )


def stage_fan(r: Results, t: Trajectories, label: str) -> Figure:
    """Where the process stands after each round: stage shares, and quantile bands of the stage."""
    fig = _figure(11, 6.5)
    top, bottom = fig.subplots(2, 1, sharex=True)
    rounds = np.arange(1, r.rounds + 1)
    shares = np.stack([(t.stage == s).mean(axis=0) for s in range(len(r.stages))])
    top.stackplot(rounds, shares, labels=r.stages, alpha=0.85)
    top.plot(rounds, t.stalled.mean(axis=0), "k--", label="stalled (any stage)")
    top.set(ylim=(0, 1), ylabel="share of episodes", title=f"{label}: stage after each round")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    stage = t.stage.astype(float)
    for (lo, hi), alpha in zip(BANDS, (0.25, 0.5), strict=True):
        bottom.fill_between(
            rounds,
            np.quantile(stage, lo, axis=0),
            np.quantile(stage, hi, axis=0),
            step="mid",
            alpha=alpha,
            color="tab:blue",
            label=f"{lo:.0%} to {hi:.0%} of episodes",
        )
    bottom.step(rounds, np.median(stage, axis=0), where="mid", color="k", label="median")
    bottom.plot(rounds, stage.mean(axis=0), color="tab:orange", label="mean stage index")
    bottom.set(
        yticks=range(len(r.stages)),
        yticklabels=r.stages,
        xlabel="round",
        title="fan chart: quantiles of the stage reached",
    )
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return fig


def reached_by_round(runs: dict[str, Results]) -> Figure:
    """P(stage reached by round r) for every later stage, and P(success by round r); runs overlaid.

    Needs only the per-episode results, so it is drawn with or without trajectories.
    """
    first = next(iter(runs.values()))
    panels = [*first.stages[1:], "success"]
    fig = _figure(4 * len(panels), 3.6)
    axes: list[Axes] = list(np.atleast_1d(fig.subplots(1, len(panels), sharey=True)))
    for label, r in runs.items():
        rounds = np.arange(1, r.rounds + 1)
        firsts = [*(r.first_reached[:, s] for s in range(1, len(r.stages))), r.success_round]
        for ax, first_round in zip(axes, firsts, strict=True):
            hit = first_round[first_round > 0]
            by_round = np.cumsum(np.bincount(hit, minlength=r.rounds + 1))[1:] / r.n
            ax.step(rounds, by_round, where="post", label=label)
    for ax, name in zip(axes, panels, strict=True):
        ax.set(title=f"{name}", xlabel="round", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("P(reached by round)")
    axes[0].legend(fontsize="small")
    fig.suptitle("share of episodes that had reached each stage (and success) by each round")
    return fig


def trust_snapshots(r: Results, t: Trajectories, label: str) -> Figure:
    """Mean trust of each party (row) in each other (column) at a few rounds."""
    marks = sorted({max(1, r.rounds * q // TRUST_SNAPSHOTS) for q in range(TRUST_SNAPSHOTS + 1)})
    P = len(r.parties)
    fig = _figure(3.3 * len(marks) + 1, 3.6)
    axes: list[Axes] = list(np.atleast_1d(fig.subplots(1, len(marks), sharey=True)))
    images = []
    for ax, mark in zip(axes, marks, strict=True):
        mean = t.trust[:, mark - 1].mean(axis=0)
        np.fill_diagonal(mean, np.nan)  # own trust is not a quantity: left blank
        images.append(ax.imshow(mean, vmin=0, vmax=1, cmap="RdYlGn"))
        for i in range(P):
            for j in range(P):
                if i != j:
                    ax.text(j, i, f"{mean[i, j]:.2f}", ha="center", va="center", fontsize=7)
        ax.set(
            title=f"after round {mark}",
            xticks=range(P),
            xticklabels=r.parties,
            yticks=range(P),
            yticklabels=r.parties,
            xlabel="trusted",
        )
        ax.tick_params(axis="x", labelrotation=90)
    axes[0].set_ylabel("truster")
    fig.colorbar(images[0], ax=axes, label="mean trust", shrink=0.8)
    fig.suptitle(f"{label}: trust matrix over time (mean over episodes)")
    return fig


def payoff_distributions(runs: dict[str, Results]) -> Figure:
    """Histogram of each party's discounted payoff per episode; runs overlaid."""
    parties = next(iter(runs.values())).parties
    cols = min(3, len(parties))
    rows = -(-len(parties) // cols)
    fig = _figure(4.2 * cols, 3.2 * rows)
    axes: list[Axes] = list(np.atleast_1d(fig.subplots(rows, cols)).ravel())
    for p, (ax, party) in enumerate(zip(axes, parties, strict=False)):
        values = np.concatenate([r.discounted[:, p] for r in runs.values()])
        edges = list(np.histogram_bin_edges(values, bins=30))
        for label, r in runs.items():
            ax.hist(r.discounted[:, p], bins=edges, histtype="step", linewidth=1.5, label=label)
        ax.set(title=party, xlabel="discounted payoff per episode", ylabel="episodes")
    for ax in axes[len(parties) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize="small")
    fig.suptitle("payoff distributions per party")
    return fig


def outcome_bars(runs: dict[str, Results]) -> Figure:
    """P(success reached), P(success held to end), P(stall) and mean discounted payoffs per run."""
    summaries = {label: r.summary() for label, r in runs.items()}
    labels = list(summaries)
    fig = _figure(12, 4)
    left, right = fig.subplots(1, 2, width_ratios=(1, 2.5))
    x = np.arange(3)
    width = 0.8 / len(labels)
    for k, (label, s) in enumerate(summaries.items()):
        est = [s.reached, s.held_to_end or Estimate(float("nan"), None, None), s.stall]
        left.bar(x + k * width, [e.mean for e in est], width, yerr=_errors(est), label=label)
    left.set(
        xticks=x + width * (len(labels) - 1) / 2,
        xticklabels=["P(success reached)", "P(success held to end)", "P(stalled at least once)"],
        ylim=(0, 1),
        ylabel="probability",
        title="outcomes (95% Monte Carlo intervals)",
    )
    left.legend(fontsize="small")
    parties = next(iter(summaries.values())).parties
    x = np.arange(len(parties))
    for k, (label, s) in enumerate(summaries.items()):
        est = [p.discounted for p in s.parties]
        right.bar(x + k * width, [e.mean for e in est], width, yerr=_errors(est), label=label)
    right.set(
        xticks=x + width * (len(labels) - 1) / 2,
        xticklabels=[p.party for p in parties],
        ylabel="mean discounted payoff",
        title="mean discounted payoff per party (95% Monte Carlo intervals)",
    )
    right.axhline(0, color="k", linewidth=0.5)
    return fig


def paired_differences(differences: list[Difference], baseline: str) -> Figure:
    """Each run minus the baseline, episode by episode: success and discounted payoffs."""
    parties = list(differences[0].discounted)
    rows = ["P(success), % points", *parties]
    fig = _figure(8, 0.45 * len(rows) * len(differences) + 1.8)
    ax = fig.subplots()
    y = np.arange(len(rows))
    height = 0.8 / len(differences)
    for k, d in enumerate(differences):
        success = Estimate(
            d.success.mean * 100,
            None if d.success.low is None else d.success.low * 100,
            None if d.success.high is None else d.success.high * 100,
        )
        est = [success, *(d.discounted[p] for p in parties)]
        ax.errorbar(
            [e.mean for e in est],
            y + k * height,
            xerr=_errors(est),
            fmt="o",
            capsize=3,
            label=f"{d.profile} - {baseline}",
        )
    ax.axvline(0, color="k", linewidth=0.8)
    ax.set(
        yticks=y + height * (len(differences) - 1) / 2,
        yticklabels=rows,
        xlabel="paired difference (95% Monte Carlo interval); payoffs are discounted",
        title=f"paired differences against {baseline} (common random numbers)",
    )
    ax.invert_yaxis()
    ax.legend(fontsize="small")
    return fig
