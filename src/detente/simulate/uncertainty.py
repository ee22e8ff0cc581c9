"""A forecast that separates its two uncertainties: Monte Carlo error and uncertain numbers.

A run in draws (:class:`~detente.simulate.drawn.DrawnRun`) gives, for each
outcome (P(success), P(reached), P(held to end), P(stall), P(in stage s at
the end), each party's mean discounted payoff):

* the forecast: the pooled estimate over every episode, which is the
  forecast averaged over the uncertain numbers' distributions, with its 95%
  **Monte Carlo interval**, counted over episodes clustered in draws
  (:mod:`detente.simulate.clustered`);
* the **parameter interval**: where the outcome lies for the central
  ``level`` share of the uncertain numbers' draws. Each draw's value is that
  draw's true value plus the Monte Carlo noise of its M episodes, so the raw
  quantiles across draws are too wide. By the method of moments, the
  between-draw variance is the observed variance of the per-draw values less
  the mean within-draw variance of a draw's mean (``p(1-p)/(n-1)`` for a
  share, ``s^2/n`` for a payoff), floored at 0; each draw's value is shrunk
  toward the pooled value by ``sqrt(between / observed)`` (so the shrunk
  values have the between-draw variance) and the interval is their
  ``(1 - level)/2`` and ``(1 + level)/2`` quantiles. The correction is
  trustworthy when the within-draw noise is a small part of the observed
  variance (its share, ``noise_share``, is reported, with a warning above
  :data:`NOISE_LIMIT`);
* the per-draw table, and a first answer to "which number matters": the
  Spearman rank correlation of each uncertain number with the per-draw
  P(success) (a screening measure, not a Sobol index: ``detente
  sensitivity`` computes those).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.dtypes import F64, I64
from detente.simulate.clustered import (
    cluster_mean,
    cluster_share,
    clustered_summary,
    independent_variance,
    payoff_arrays,
    sizes_of,
)
from detente.simulate.draws import DrawnRun
from detente.simulate.summary import Z95, Estimate, Summary, wilson

NOISE_LIMIT = 0.5  # within-draw noise above this share of the observed variance: a warning
TAIL_DRAWS = 5  # fewer draws expected beyond each end of the parameter interval: a warning

DRAWS_MONTE_CARLO = (
    "the Monte Carlo error of the forecast averaged over the uncertain numbers (its episodes "
    "counted as clustered in their draws)"
)
"""What the (a to b) intervals of a summary in draws cover: the one source, for JSON and tables."""

MEANINGS = {
    "level": "the share of the uncertain numbers' draws the parameter intervals cover",
    "draws": "K: how many times the uncertain numbers were drawn",
    "episodes_per_draw": "M: episodes played per draw (the last draw may have fewer)",
    "outcomes.*.forecast": "the pooled estimate over every episode (the forecast averaged "
    "over the uncertain numbers) with its 95% Monte Carlo interval, episodes clustered in draws",
    "outcomes.*.independent": "the same estimate with the interval that treats the episodes as "
    "independent (too narrow when the draws differ); for comparison only",
    "outcomes.*.design_effect": "the clustered variance of the forecast over the independent "
    "one: how much the draws widen its Monte Carlo interval (floored at 1 there)",
    "outcomes.*.parameter": "the parameter interval: the central `level` share of the outcome "
    "across the uncertain numbers' draws, with each draw's Monte Carlo noise taken out "
    "(method of moments); null when it cannot be told from that noise",
    "outcomes.*.uncorrected": "the same quantiles of the raw per-draw values, noise included "
    "(wider)",
    "outcomes.*.observed_sd": "standard deviation of the per-draw values across draws",
    "outcomes.*.between_sd": "the part of it the uncertain numbers cause: sqrt(observed "
    "variance - mean within-draw variance), floored at 0",
    "outcomes.*.noise_share": "mean within-draw variance over the observed variance: above "
    f"{NOISE_LIMIT} the correction, and the parameter interval, are unreliable",
    "influence": "Spearman rank correlation of each uncertain number with the per-draw "
    "P(success), strongest first: a screening measure, not a Sobol index",
    "draws.*": "per draw: its numbers, episodes, the share of its episodes with each outcome "
    "(final_stage: in that stage after the last round) and each party's mean discounted "
    "payoff, with the standard deviation over its episodes",
}
"""What every number of the ``uncertainty`` part of the JSON means."""


@dataclass(frozen=True, eq=False)
class DrawTable:
    """One row per draw: its uncertain numbers and the shares and means of its episodes.

    Everything the spread is computed from, so a table read back from a file
    gives the same spread as the run it was written from.
    """

    scenario: str
    seed: int
    rounds: int
    success_counts: str
    episodes_per_draw: int
    first_draw: int  # the id of row 0
    paths: tuple[str, ...]
    described: tuple[str, ...]
    stages: tuple[str, ...]
    parties: tuple[str, ...]
    values: F64  # [K, P] each draw's numbers
    episodes: I64  # [K]
    reached: F64  # [K]
    held_to_end: F64 | None  # [K]
    stall: F64  # [K] P(stalled at least once)
    final_stage: F64  # [K, S] P(in stage s after the last round)
    discounted: F64  # [K, parties] mean discounted payoff
    discounted_sd: F64  # [K, parties] its standard deviation over the draw's episodes

    @property
    def draws(self) -> int:
        return int(self.episodes.shape[0])

    @property
    def success(self) -> F64:
        """Per-draw P(success) as the scenario counts it."""
        if self.success_counts == "reached":
            return self.reached
        if self.held_to_end is None:
            raise ValueError("the scenario counts success held to the end, but no draw records it")
        return self.held_to_end


def draw_table(run: DrawnRun) -> DrawTable:
    """The per-draw table of ``run``."""
    t, s = run.tallies, run.pooled
    sizes = sizes_of(t)
    held = None if s.held_to_end is None else np.array([x.held or 0 for x in t]) / sizes
    discounted, sds = payoff_arrays(t, discounted=True)
    return DrawTable(
        scenario=s.scenario,
        seed=s.seed,
        rounds=s.rounds,
        success_counts=s.success_counts,
        episodes_per_draw=run.episodes_per_draw,
        first_draw=run.first_draw,
        paths=run.paths,
        described=run.described,
        stages=tuple(st.stage for st in s.stages),
        parties=tuple(p.party for p in s.parties),
        values=np.asarray(run.values, dtype=np.float64).reshape(len(t), len(run.paths)),
        episodes=sizes,
        reached=np.array([int(x.success.sum()) for x in t]) / sizes,
        held_to_end=held,
        stall=np.array([x.stalled for x in t]) / sizes,
        final_stage=np.stack([x.final_stage for x in t]) / sizes[:, None],
        discounted=discounted,
        discounted_sd=sds,
    )


@dataclass(frozen=True)
class Spread:
    """One outcome: its forecast with the Monte Carlo interval, and its parameter interval."""

    key: str  # "success", "stall", "final_stage.<stage>", "discounted.<party>" ...
    label: str  # as a reader sees it: "P(success)"
    forecast: Estimate  # pooled, 95% Monte Carlo interval over clustered episodes
    independent: Estimate  # the same, interval as if the episodes were independent
    design_effect: float | None
    parameter: Estimate | None  # the forecast with the parameter interval; None: not told
    uncorrected: tuple[float, float]  # raw quantiles across draws
    observed_sd: float
    between_sd: float | None
    noise_share: float | None  # within-draw over observed variance; None: no spread at all

    @property
    def noisy(self) -> bool:
        """Whether the Monte Carlo noise of the draws is too much of their spread to correct."""
        return self.noise_share is not None and self.noise_share > NOISE_LIMIT


@dataclass(frozen=True)
class Influence:
    """An uncertain number and its rank correlation with the per-draw P(success)."""

    path: str
    described: str
    rank_correlation: float | None  # None: the number or P(success) did not vary


@dataclass(frozen=True, eq=False)
class ParameterSpread:
    """Every outcome's two intervals, the per-draw table, the rank correlations and warnings."""

    level: float
    table: DrawTable
    outcomes: tuple[Spread, ...]  # P(success) first
    influence: tuple[Influence, ...]  # strongest first
    warnings: tuple[str, ...]

    @property
    def success(self) -> Spread:
        return self.outcomes[0]

    @property
    def rank_noise(self) -> float | None:
        """The |rank correlation| a number without effect exceeds 5% of the time; None when
        there are too few draws for any correlation to tell (that level would be 1 or more)."""
        K = self.table.draws
        level = Z95 / math.sqrt(K - 1) if K > 2 else math.inf
        return level if level < 1 else None


def _quantiles(x: F64, level: float) -> tuple[float, float]:
    low, high = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def parameter_interval(
    means: F64, within: F64, centre: float, level: float
) -> tuple[tuple[float, float] | None, float | None, float | None]:
    """The noise-corrected ``level`` interval of per-draw ``means`` whose Monte Carlo variances
    are ``within``; with the between-draw standard deviation and the noise share.

    Draws whose within-draw variance is unknown (one episode: NaN) are left out;
    with fewer than two left, nothing can be told (all None).
    """
    known = ~np.isnan(within)
    x, v = means[known], within[known]
    if x.shape[0] < 2:
        return None, None, None
    observed = float(np.var(x, ddof=1))
    if observed == 0:
        return (float(x[0]), float(x[0])), 0.0, None
    noise = float(v.mean())
    between = max(0.0, observed - noise)
    shrunk = centre + math.sqrt(between / observed) * (x - centre)
    return _quantiles(shrunk, level), math.sqrt(between), noise / observed


def _within_share(shares: F64, sizes: I64) -> F64:
    """Unbiased Monte Carlo variance of each draw's share: p(1 - p) / (n - 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sizes > 1, shares * (1 - shares) / (sizes - 1), np.nan)


def _spread(
    key: str, label: str, t: DrawTable, means: F64, sds: F64 | None, level: float
) -> Spread:
    sizes = t.episodes
    if sds is None:  # a share: its counts are whole numbers of episodes
        hits = np.rint(means * sizes).astype(np.int64)
        forecast, effect = cluster_share(sizes, hits)
        independent = wilson(forecast.mean, int(sizes.sum()))
        within = _within_share(means, sizes)
    else:
        forecast, effect = cluster_mean(sizes, means, sds)
        independent = _independent_mean(sizes, means, sds, forecast.mean)
        with np.errstate(divide="ignore", invalid="ignore"):
            within = np.where(sizes > 1, sds * sds / sizes, np.nan)
    interval, between, noise = parameter_interval(means, within, forecast.mean, level)
    return Spread(
        key=key,
        label=label,
        forecast=forecast,
        independent=independent,
        design_effect=effect,
        parameter=None if interval is None else Estimate(forecast.mean, *interval),
        uncorrected=_quantiles(means, level),
        observed_sd=float(np.std(means, ddof=1)) if t.draws > 1 else 0.0,
        between_sd=between,
        noise_share=noise,
    )


def _independent_mean(sizes: I64, means: F64, sds: F64, pooled: float) -> Estimate:
    """The pooled mean's normal-theory 95% interval as if its episodes were independent."""
    if int(sizes.sum()) < 2:
        return Estimate(pooled, None, None)
    half = Z95 * math.sqrt(independent_variance(sizes, means, sds, pooled))
    return Estimate(pooled, pooled - half, pooled + half)


def outcomes(t: DrawTable) -> list[tuple[str, str, F64, F64 | None]]:
    """(key, label, per-draw values, per-draw standard deviations or None for a share)."""
    found: list[tuple[str, str, F64, F64 | None]] = [
        ("success", "P(success)", t.success, None),
        ("reached", "P(reached)", t.reached, None),
    ]
    if t.held_to_end is not None:
        found.append(("held_to_end", "P(held to end)", t.held_to_end, None))
    found.append(("stall", "P(stalled at least once)", t.stall, None))
    found += [
        (f"final_stage.{s}", f"P(in {s} at the end)", t.final_stage[:, k], None)
        for k, s in enumerate(t.stages)
    ]
    found += [
        (f"discounted.{p}", f"{p}: mean discounted payoff", t.discounted[:, k], sd)
        for k, (p, sd) in enumerate(zip(t.parties, t.discounted_sd.T, strict=True))
    ]
    return found


def rank_correlation(x: F64, y: F64) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either is constant."""
    from scipy.stats import rankdata

    if x.shape[0] < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


def _influence(t: DrawTable) -> tuple[Influence, ...]:
    found = [
        Influence(path, described, rank_correlation(t.values[:, j], t.success))
        for j, (path, described) in enumerate(zip(t.paths, t.described, strict=True))
    ]
    return tuple(sorted(found, key=lambda i: -abs(i.rank_correlation or 0.0)))


def _warnings(t: DrawTable, spreads: list[Spread], level: float) -> tuple[str, ...]:
    K, M = t.draws, t.episodes_per_draw
    if K < 2:
        return (
            "One draw of the uncertain numbers: neither interval can be had from one draw; "
            "run with more draws (--draws, 100 by default).",
        )
    found = []
    if int((t.episodes > 1).sum()) < 2:
        found.append(
            "One episode per draw: the spread across draws cannot be told from the Monte "
            "Carlo noise, so there is no parameter interval; play at least 100 episodes per "
            "draw (more --episodes, or fewer --draws)."
        )
    noisy = [s for s in spreads if s.noisy]
    if noisy:
        listed = ", ".join(
            f"{s.label} {'over 100%' if s.noise_share > 1 else f'{s.noise_share:.0%}'}"
            for s in noisy
            if s.noise_share
        )
        found.append(
            f"Too few episodes per draw (M = {M}) for {len(noisy)} outcome(s): the "
            "Monte Carlo noise within draws is most of their spread across draws (its "
            f"variance as a share of the observed variance across draws: {listed}), "
            "so the correction that takes it out, and their parameter intervals, are "
            "unreliable; raise the episodes per draw (more --episodes for the same --draws)."
        )
    if K * (1 - level) / 2 < TAIL_DRAWS - 1e-9:
        found.append(
            f"Only {K} draws: the {level:.0%} parameter intervals' ends rest on fewer than "
            f"{TAIL_DRAWS} draws beyond each; raise --draws (100 or more)."
        )
    return tuple(found)


def spread_of_table(t: DrawTable, level: float = 0.9) -> ParameterSpread:
    """The spread of a per-draw table (as :func:`spread_of` gives for the run it came from)."""
    if not 0 < level < 1:
        raise ValueError(f"the parameter interval's level must be between 0 and 1, not {level}")
    spreads = [_spread(key, label, t, x, sd, level) for key, label, x, sd in outcomes(t)]
    return ParameterSpread(level, t, tuple(spreads), _influence(t), _warnings(t, spreads, level))


def spread_of(run: DrawnRun, level: float = 0.9) -> ParameterSpread:
    """Every outcome's Monte Carlo and parameter intervals, the per-draw table, the rank
    correlations of the uncertain numbers with P(success), and what to distrust."""
    return spread_of_table(draw_table(run), level)


def draws(k: int) -> str:
    """``1 draw``, ``40 draws``."""
    return f"{k} draw" + ("" if k == 1 else "s")


def words(s: ParameterSpread) -> str:
    """What each interval covers, in two sentences, with P(success)'s numbers."""
    from detente.simulate.numbers import estimate

    t, success = s.table, s.success
    episodes = int(t.episodes.sum())
    mc = estimate(success.forecast).partition(" ")[2] or "(none: one draw)"
    first = (
        f"The Monte Carlo interval {mc} covers the error of simulating {episodes:,} episodes "
        f"({draws(t.draws)} of the uncertain numbers x {t.episodes_per_draw} episodes), "
        "counting that the episodes of a draw share its numbers; it shrinks with more draws."
    )
    numbers = "; ".join(f"{p} ~ {d}" for p, d in zip(t.paths, t.described, strict=True))
    if success.parameter is None:
        second = (
            "The parameter interval, of how P(success) moves across the uncertain numbers' "
            f"distributions ({numbers}), cannot be told from the Monte Carlo noise here."
        )
    else:
        interval = estimate(success.parameter).partition(" ")[2]
        second = (
            "The parameter interval covers how P(success) moves across the uncertain numbers' "
            f"distributions ({numbers}): {s.level:.0%} of their draws give a P(success) in "
            f"{interval}, once the Monte Carlo noise of each draw's episodes is taken out."
        )
    return f"{first} {second}"


def _estimate(e: Estimate | None) -> dict[str, float | None] | None:
    return None if e is None else {"mean": e.mean, "low": e.low, "high": e.high}


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def draw_rows(t: DrawTable) -> list[dict[str, Any]]:
    """The per-draw table as JSON-ready rows."""
    rows = []
    for d in range(t.draws):
        rows.append(
            {
                "draw": t.first_draw + d,
                "values": {p: float(t.values[d, j]) for j, p in enumerate(t.paths)},
                "episodes": int(t.episodes[d]),
                "success": float(t.success[d]),
                "reached": float(t.reached[d]),
                "held_to_end": None if t.held_to_end is None else float(t.held_to_end[d]),
                "stall": float(t.stall[d]),
                "final_stage": {s: float(t.final_stage[d, k]) for k, s in enumerate(t.stages)},
                "discounted": {p: float(t.discounted[d, k]) for k, p in enumerate(t.parties)},
                "discounted_sd": {p: float(t.discounted_sd[d, k]) for k, p in enumerate(t.parties)},
            }
        )
    return rows


def spread_dict(s: ParameterSpread) -> dict[str, Any]:
    """The ``uncertainty`` part of a summary's JSON: every number, and what it means."""
    t = s.table
    return {
        "words": words(s),
        "level": s.level,
        "draws": t.draws,
        "episodes_per_draw": t.episodes_per_draw,
        "numbers": [
            {"path": p, "distribution": d} for p, d in zip(t.paths, t.described, strict=True)
        ],
        "outcomes": {
            o.key: {
                "label": o.label,
                "forecast": _estimate(o.forecast),
                "independent": _estimate(o.independent),
                "design_effect": _finite(o.design_effect),
                "parameter": None
                if o.parameter is None
                else {"low": o.parameter.low, "high": o.parameter.high},
                "uncorrected": {"low": o.uncorrected[0], "high": o.uncorrected[1]},
                "observed_sd": o.observed_sd,
                "between_sd": o.between_sd,
                "noise_share": _finite(o.noise_share),
                "noisy": o.noisy,
            }
            for o in s.outcomes
        },
        "influence": {
            "measure": "Spearman rank correlation with the per-draw P(success); not a Sobol index",
            "chance_level": s.rank_noise,
            "numbers": [
                {
                    "path": i.path,
                    "distribution": i.described,
                    "rank_correlation": i.rank_correlation,
                }
                for i in s.influence
            ],
        },
        "draws_table": draw_rows(t),
        "warnings": list(s.warnings),
        "meanings": dict(MEANINGS),
    }


@dataclass(frozen=True)
class UncertainSummary:
    """The pooled forecast with intervals over clustered episodes, and its parameter spread."""

    summary: Summary
    spread: ParameterSpread

    def to_dict(self) -> dict[str, Any]:
        """The plain summary's JSON (its intervals clustered, its note on them for draws),
        with the spread under ``uncertainty``."""
        out = self.summary.to_dict()
        out["notes"]["intervals"] = (
            f"every interval is 95% and covers {DRAWS_MONTE_CARLO}; how the outcomes move "
            "across the uncertain numbers is under uncertainty.outcomes (parameter intervals)"
        )
        out["uncertainty"] = spread_dict(self.spread)
        return out

    def words(self) -> str:
        return words(self.spread)


def uncertain_summary(run: DrawnRun, level: float = 0.9) -> UncertainSummary:
    """The forecast of a run in draws, with both its uncertainties."""
    return UncertainSummary(clustered_summary(run), spread_of(run, level))
