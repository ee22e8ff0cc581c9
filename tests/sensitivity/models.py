"""Test functions with known indices, as picklable models (worker processes import them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.dtypes import F64


@dataclass(frozen=True)
class Ishigami:
    """SALib's test problem: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244 on [-pi, pi]^3."""

    a: float = 7.0
    b: float = 0.1
    outputs: tuple[str, ...] = ("y",)

    def __call__(self, X: F64) -> F64:
        x1, x2, x3 = X[:, 0], X[:, 1], X[:, 2]
        y = np.sin(x1) + self.a * np.sin(x2) ** 2 + self.b * x3**4 * np.sin(x1)
        return y[:, None]


@dataclass(frozen=True)
class Linear:
    """``y = sum(w_i x_i)`` on [0, 1]^k, and ``-y``: every elementary effect of x_i is w_i."""

    weights: tuple[float, ...]
    outputs: tuple[str, ...] = ("y", "minus_y")

    def __call__(self, X: F64) -> F64:
        y = X @ np.array(self.weights)
        return np.stack([y, -y], axis=1)
