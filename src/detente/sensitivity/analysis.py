"""Sampling and estimation by SALib: Morris elementary effects and Sobol (Saltelli) indices.

Both methods sample the unit-scaled parameter box with ``seed``, the model runs
at every point (:mod:`detente.sensitivity.backends`), and SALib estimates each
output's indices with bootstrap confidence intervals (95%, resampled with
``seed``). Same seed, same points, same indices, on any backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.dtypes import F64
from detente.sensitivity.params import SensitivityError

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4
CONFIDENCE = 0.95
RESAMPLES = 1000
# Per method: the indices reported, the one that ranks, and what each means.
INDICES: dict[str, tuple[str, ...]] = {
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}
RANK_BY = {"morris": "mu_star", "sobol": "ST"}
MEANINGS = {
    "mu_star": "mean |elementary effect|, in output units per the parameter's whole range",
    "mu_star_conf": f"half-width of the {CONFIDENCE:.0%} bootstrap interval of mu_star",
    "sigma": "spread of the elementary effects: interactions or non-linearity",
    "mu": "mean signed elementary effect (its sign: the direction of the effect)",
    "S1": "first-order index: the share of output variance this number explains alone",
    "S1_conf": f"half-width of the {CONFIDENCE:.0%} bootstrap interval of S1",
    "ST": "total index: its share including every interaction with other numbers",
    "ST_conf": f"half-width of the {CONFIDENCE:.0%} bootstrap interval of ST",
}


def check_method(method: str, samples: int) -> None:
    if method not in METHODS:
        raise SensitivityError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if samples < 2:
        raise SensitivityError(f"--samples must be at least 2, got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise SensitivityError(f"--samples for sobol must be a power of 2, got {samples}")


def problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem description."""
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def sample(method: str, prob: dict[str, Any], samples: int, seed: int) -> F64:
    """The points to run: ``samples`` Morris trajectories, or a Saltelli design of base ``samples``.

    Morris: ``samples * (k + 1)`` points; Sobol: ``samples * (k + 2)`` (no second order).
    """
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(prob, samples, calc_second_order=False, seed=seed))


def runs(method: str, k: int, samples: int) -> int:
    """How many model runs a design of ``samples`` over ``k`` parameters needs."""
    return samples * (k + 1 if method == "morris" else k + 2)


def analyse(method: str, prob: dict[str, Any], X: F64, y: F64, seed: int) -> dict[str, F64]:
    """SALib's indices of one output ``y`` (one value per row of ``X``), by index name."""
    if not np.all(np.isfinite(y)):
        raise SensitivityError("the model gave a non-finite output; no indices can be estimated")
    if np.ptp(y) == 0:  # nothing to explain: every index is 0 (SALib would divide by 0)
        return {name: np.zeros(len(prob["names"])) for name in INDICES[method]}
    if method == "morris":
        from SALib.analyze import morris

        out = morris.analyze(
            prob, X, y, num_resamples=RESAMPLES, conf_level=CONFIDENCE,
            num_levels=MORRIS_LEVELS, seed=seed,
        )  # fmt: skip
    else:
        from SALib.analyze import sobol

        out = sobol.analyze(
            prob, y, calc_second_order=False, num_resamples=RESAMPLES,
            conf_level=CONFIDENCE, seed=seed,
        )  # fmt: skip
    return {name: np.asarray(out[name], dtype=float) for name in INDICES[method]}


@dataclass(frozen=True)
class Ranking:
    """One output's indices, parameters ranked by :data:`RANK_BY` (largest first)."""

    output: str
    parameters: tuple[str, ...]  # in rank order
    indices: dict[str, F64]  # index name -> values in rank order
    constant: bool = False  # the output was the same at every point: no parameter moves it

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"rank": i + 1, "parameter": p, **{k: float(v[i]) for k, v in self.indices.items()}}
            for i, p in enumerate(self.parameters)
        ]


@dataclass(frozen=True)
class Analysis:
    """A finished analysis: its design, the outputs at every point, and one ranking per output."""

    method: str
    samples: int
    seed: int
    problem: dict[str, Any]
    X: F64
    Y: F64
    rankings: tuple[Ranking, ...]
    settings: dict[str, Any] = field(default_factory=dict)  # what the caller ran, for reports


def rank(
    method: str, output: str, names: Sequence[str], indices: dict[str, F64], constant: bool
) -> Ranking:
    key = indices[RANK_BY[method]]
    order = sorted(range(len(names)), key=lambda i: (-np.nan_to_num(key[i], nan=-np.inf), i))
    ranked = {k: v[order] for k, v in indices.items()}
    return Ranking(output, tuple(names[i] for i in order), ranked, constant)


Evaluate = Callable[[F64], F64]


def run_analysis(
    method: str,
    prob: dict[str, Any],
    outputs: Sequence[str],
    evaluate: Evaluate,
    samples: int,
    seed: int,
) -> Analysis:
    """Sample, evaluate every point (``evaluate``: ``X -> Y``), estimate and rank."""
    check_method(method, samples)
    X = sample(method, prob, samples, seed)
    Y = evaluate(X)
    rankings = tuple(
        rank(
            method,
            name,
            prob["names"],
            analyse(method, prob, X, Y[:, j], seed),
            bool(np.ptp(Y[:, j]) == 0),
        )
        for j, name in enumerate(outputs)
    )
    return Analysis(method, samples, seed, prob, X, Y, rankings)
