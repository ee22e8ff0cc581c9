"""The posterior file (``detente-posterior/1``): written by ``calibrate``, read by forecasts.

JSON, UTF-8: the scenario and record window fitted, the paths, weighted
samples (``samples[i][j]`` is the value of ``paths[j]`` in sample i), the
observed statistics and the run's diagnostics (docs/calibrate.md). This is
the one place that writes and reads it; :func:`read_posterior` checks the
format tag and the shapes and renormalises the weights, and
:func:`check_against` checks every path and value against the scenario a
forecast applies it to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.calibrate import CalibrationError
from detente.dtypes import F64

FORMAT = "detente-posterior/1"
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
            "format": FORMAT,
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


def _fail(source: Path, message: str) -> CalibrationError:
    return CalibrationError(f"{source}: {message}")


def read_posterior(path: Path) -> Posterior:
    """A posterior file, checked: the format tag, paths, samples and weights (renormalised)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise _fail(path, f"cannot be read ({err.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _fail(path, f"not a JSON file ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise _fail(path, f"not a posterior file: 'format' must be {FORMAT!r} (got {got!r})")
    paths, samples, weights = doc.get("paths"), doc.get("samples"), doc.get("weights")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise _fail(path, "'paths' must be a non-empty list of --set paths")
    if not isinstance(samples, list) or not samples:
        raise _fail(path, "'samples' must be a non-empty list of rows")
    for i, row in enumerate(samples):
        if not isinstance(row, list) or len(row) != len(paths):
            raise _fail(path, f"samples[{i}]: expected {len(paths)} numbers, one per path")
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise _fail(path, f"samples[{i}][{j}] ({paths[j]}): not a finite number ({v!r})")
    if not isinstance(weights, list) or len(weights) != len(samples):
        raise _fail(path, f"'weights' must be a list of {len(samples)} numbers, one per sample")
    for i, w in enumerate(weights):
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            raise _fail(path, f"weights[{i}]: not a finite number >= 0 ({w!r})")
    total = float(sum(weights))
    if total <= 0:
        raise _fail(path, "the weights sum to 0")
    return Posterior(
        scenario=str(doc.get("scenario", "")),
        paths=tuple(paths),
        samples=np.array(samples, dtype=float),
        weights=np.array(weights, dtype=float) / total,
        priors=tuple(str(p) for p in doc.get("priors", [])),
        overrides=tuple(str(o) for o in doc.get("overrides", [])),
        events=str(doc.get("events", "")),
        until=str(doc.get("until", "")),
        method=str(doc.get("method", "")),
        statistics=dict(doc.get("statistics", {})),
        diagnostics=dict(doc.get("diagnostics", {})),
        settings=dict(doc.get("settings", {})),
    )


def check_against(post: Posterior, doc: Any, source: str, label: str) -> None:
    """Every path of ``post`` exists in the scenario ``doc`` and every sample validates there.

    ``label``: how to name the file in errors. Raises CalibrationError naming the
    file, the path and the offending sample."""
    from detente.scenario.errors import ScenarioError
    from detente.scenario.overrides import OverrideError
    from detente.sensitivity.params import SensitivityError, number_at
    from detente.sensitivity.points import realise

    for p in post.paths:
        try:
            number_at(doc, p)
        except SensitivityError as err:
            raise CalibrationError(f"{label}: {str(err).removeprefix('--param ')}") from None
    params = [_as_parameter(p) for p in post.paths]
    for i, row in enumerate(post.samples):
        try:
            realise(doc, source, params, row)
        except (ScenarioError, OverrideError) as err:
            raise CalibrationError(
                f"{label}: samples[{i}] is not valid in {source}:\n{err}"
            ) from None


def _as_parameter(path: str) -> Any:
    from detente.sensitivity.params import Parameter

    return Parameter(path, 0.0, -math.inf, math.inf, False, False)
