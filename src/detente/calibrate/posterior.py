"""The posterior of a calibration: written as a ``detente-posterior/1`` file, and summarised.

JSON, UTF-8: the scenario and record window fitted, the paths, weighted
samples (``samples[i][j]`` is the value of ``paths[j]`` in sample i), the
observed statistics and the run's diagnostics (docs/calibrate.md). This is
the one place that writes it; :mod:`detente.scenario.posterior` is the one
that reads it and checks it against the scenario a forecast applies it to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.dtypes import F64
from detente.scenario.posterior import POSTERIOR_FORMAT

LEVEL = 0.9  # the summary's interval: 5% to 95%


@dataclass(frozen=True)
class Posterior:
    """Weighted samples of the fitted numbers, and what they were fitted to."""

    scenario: str
    paths: tuple[str, ...]
    samples: F64  # [n, P]
    weights: F64  # [n], summing to 1
    priors: tuple[str, ...] = ()  # per path, as written ("beta(2, 30)")
    overrides: tuple[str, ...] = ()
    events: str = ""
    until: str = ""
    method: str = ""
    statistics: dict[str, float] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": POSTERIOR_FORMAT,
            "scenario": self.scenario,
            "overrides": list(self.overrides),
            "events": self.events,
            "until": self.until,
            "method": self.method,
            "paths": list(self.paths),
            "priors": list(self.priors),
            "samples": self.samples.tolist(),
            "weights": self.weights.tolist(),
            "statistics": self.statistics,
            "diagnostics": self.diagnostics,
            "settings": self.settings,
            "summary": summary(self),
        }

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @property
    def effective_sample_size(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


def weighted_quantiles(values: F64, weights: F64, qs: Sequence[float]) -> F64:
    """Quantiles of a weighted sample: its weighted empirical CDF (at the midpoints) inverted."""
    kept = weights > 0  # a sample of weight 0 is not in the distribution
    order = np.argsort(values[kept], kind="stable")
    v, w = values[kept][order], weights[kept][order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    out: F64 = np.interp(qs, cdf, v)
    return out


def summary(post: Posterior, level: float = LEVEL) -> list[dict[str, Any]]:
    """Per path: the prior, the posterior mean, median and central ``level`` interval."""
    tail = (1 - level) / 2
    rows = []
    for j, path in enumerate(post.paths):
        x = post.samples[:, j]
        low, median, high = weighted_quantiles(x, post.weights, [tail, 0.5, 1 - tail])
        rows.append(
            {
                "path": path,
                "prior": post.priors[j] if post.priors else "",
                "mean": float(np.sum(post.weights * x)),
                "median": float(median),
                "low": float(low),
                "high": float(high),
                "level": level,
            }
        )
    return rows
