"""Monte Carlo intervals of a forecast played in draws: episodes clustered by their draw.

When the uncertain numbers of a scenario are drawn K times and each draw is
played for M episodes, the episodes of one draw share its numbers: they are
not independent, and the binomial (or normal-theory) interval of the pooled
forecast, which treats them as N independent episodes, is too narrow by the
share of the spread that comes from the draws. The forecast averaged over the
uncertain numbers is a mean of clustered observations; its variance is
estimated by the cluster (linearisation) estimator of a ratio mean, with the
draws as the independent units::

    v = K / (K - 1) * sum_d n_d^2 (x_d - x)^2 / N^2

(``x_d`` the mean of draw ``d``'s ``n_d`` episodes, ``x`` the pooled mean; with
equal draws it is the variance of the per-draw means divided by K). The
design effect ``v / v_independent`` is floored at 1, so the interval is never
narrower than the one of N independent episodes (Korn and Graubard, 1998).
Shares get a Wilson interval at the effective sample size ``N / design
effect`` (sound near 0 and 1); means get ``x +/- t sqrt(v)``. The critical
value is Student's t with K - 1 degrees of freedom at 97.5%: the intervals
are 95%, and the draws, not the episodes, are what is counted.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from detente.dtypes import F64, I64
from detente.simulate.draws import DrawnRun
from detente.simulate.summary import (
    Estimate,
    Horizon,
    Summary,
    counted_success,
    wilson,
)
from detente.simulate.tally import Tally


def critical(draws: int) -> float:
    """The 97.5% quantile of Student's t with ``draws - 1`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(0.975, draws - 1))


def cluster_variance(sizes: I64, means: F64, pooled: float) -> float:
    """The cluster estimator of the pooled mean's variance (``K >= 2`` draws)."""
    K, N = len(sizes), float(sizes.sum())
    deviations = sizes * (means - pooled)
    return K / (K - 1) * float(np.dot(deviations, deviations)) / (N * N)


def cluster_share(sizes: I64, hits: I64) -> tuple[Estimate, float | None]:
    """The pooled share of ``hits`` with its 95% interval over clustered episodes, and the
    design effect (None when the binomial variance is 0: every episode alike)."""
    K, N = len(sizes), int(sizes.sum())
    p = int(hits.sum()) / N
    if K < 2:
        return Estimate(p, None, None), None
    independent = p * (1 - p) / N
    if independent == 0:
        return wilson(p, N, critical(K)), None
    effect = cluster_variance(sizes, hits / sizes, p) / independent
    return wilson(p, N / max(1.0, effect), critical(K)), effect


def cluster_mean(sizes: I64, means: F64, sds: F64) -> tuple[Estimate, float | None]:
    """The pooled mean of draws' means (``sds``: their episodes' standard deviations) with its
    95% interval over clustered episodes, and the design effect (None without spread)."""
    K, N = len(sizes), float(sizes.sum())
    pooled = float(np.dot(sizes, means)) / N
    if K < 2:
        return Estimate(pooled, None, None), None
    independent = independent_variance(sizes, means, sds, pooled)
    clustered = cluster_variance(sizes, means, pooled)
    effect = clustered / independent if independent > 0 else None
    half = critical(K) * math.sqrt(max(clustered, independent))
    return Estimate(pooled, pooled - half, pooled + half), effect


def clustered_mean_ci(x: F64, groups: I64) -> Estimate:
    """The mean of per-episode ``x`` with its 95% interval, episodes clustered by ``groups``
    (their draw ids): what a paired difference over draws needs."""
    _, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=x)
    means = sums / sizes
    squares = np.bincount(inverse, weights=(x - means[inverse]) ** 2)
    sds = np.sqrt(squares / np.maximum(sizes - 1, 1))
    return cluster_mean(sizes.astype(np.int64), means, sds)[0]


def independent_variance(sizes: I64, means: F64, sds: F64, pooled: float) -> float:
    """The pooled mean's variance as if its episodes were independent: the variance of every
    episode (within and between draws) over N."""
    N = float(sizes.sum())
    squares = float(np.dot(sizes - 1, sds * sds)) + float(np.dot(sizes, (means - pooled) ** 2))
    return squares / (N - 1) / N


def sizes_of(tallies: tuple[Tally, ...]) -> I64:
    """Episodes per draw."""
    return np.array([t.n for t in tallies], dtype=np.int64)


def payoff_arrays(tallies: tuple[Tally, ...], discounted: bool) -> tuple[F64, F64]:
    """Per draw and party: the mean payoff and its episodes' standard deviation (0 for one)."""
    moments = [t.discounted if discounted else t.total for t in tallies]
    means = np.array([[m.mean for m in row] for row in moments], dtype=np.float64)
    sds = np.array(
        [[math.sqrt(m.m2 / (m.n - 1)) if m.n > 1 else 0.0 for m in row] for row in moments],
        dtype=np.float64,
    )
    return means, sds


def clustered_summary(run: DrawnRun) -> Summary:
    """The pooled summary of ``run`` with every interval counted over clustered episodes."""
    tallies, s = run.tallies, run.pooled
    sizes = sizes_of(tallies)

    def share(hits: list[int]) -> Estimate:
        return cluster_share(sizes, np.array(hits, dtype=np.int64))[0]

    def payoffs(discounted: bool) -> list[Estimate]:
        means, sds = payoff_arrays(tallies, discounted)
        return [cluster_mean(sizes, means[:, p], sds[:, p])[0] for p in range(means.shape[1])]

    reached = share([int(t.success.sum()) for t in tallies])
    held = None if s.held_to_end is None else share([t.held or 0 for t in tallies])
    return replace(
        s,
        success=counted_success(s.success_counts, reached, held),
        reached=reached,
        held_to_end=held,
        stall=share([t.stalled for t in tallies]),
        stages=tuple(
            replace(st, reached=share([int(t.first_reached[k].sum()) for t in tallies]))
            for k, st in enumerate(s.stages)
        ),
        parties=tuple(
            replace(p, discounted=d, total=t)
            for p, d, t in zip(s.parties, payoffs(True), payoffs(False), strict=True)
        ),
        horizon=Horizon(
            final_stage={
                stage: share([int(t.final_stage[k]) for t in tallies])
                for k, stage in enumerate(s.horizon.final_stage)
            },
            stalled_at_end=share([t.final_stalled for t in tallies]),
            rounds_share=s.horizon.rounds_share,
        ),
    )
