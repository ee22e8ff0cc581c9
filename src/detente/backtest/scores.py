"""Proper scores of probability forecasts of yes/no events, and the reliability table.

Every score here is negatively oriented (lower is better) and is a mean
over cases:

* Brier score: ``(p - o)^2``, from 0 (certain and right) to 1 (certain and wrong).
* Log score (ignorance in nats): ``-ln p`` when the event happened,
  ``-ln(1 - p)`` when it did not, with ``p`` first clipped to
  ``[CLIP, 1 - CLIP]``, so a certain forecast that is wrong costs
  ``-ln CLIP`` (4.6 nats) instead of infinity.
* Skill against a baseline: ``1 - score / baseline score``; 1 is perfect,
  0 no better than the baseline, negative worse; undefined (None) when the
  baseline's score is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

CLIP = 0.01
"""Probabilities are clipped to [CLIP, 1 - CLIP] in the log score (1% and 99%)."""
BINS = 10


def _arrays(p: ArrayLike, o: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p_, o_ = np.asarray(p, dtype=np.float64), np.asarray(o, dtype=np.float64)
    if p_.shape != o_.shape or p_.ndim != 1 or not p_.size:
        raise ValueError(f"forecasts and outcomes of one shape, got {p_.shape} and {o_.shape}")
    if ((p_ < 0) | (p_ > 1)).any() or not np.isin(o_, (0.0, 1.0)).all():
        raise ValueError("forecasts are probabilities and outcomes 0 or 1")
    return p_, o_


def brier(p: ArrayLike, o: ArrayLike) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes."""
    p_, o_ = _arrays(p, o)
    return float(np.mean((p_ - o_) ** 2))


def log_score(p: ArrayLike, o: ArrayLike, clip: float = CLIP) -> float:
    """Mean negative log-likelihood (nats) of the outcomes, probabilities clipped first."""
    p_, o_ = _arrays(p, o)
    q = np.clip(p_, clip, 1 - clip)
    return float(np.mean(-np.log(np.where(o_ == 1, q, 1 - q))))


def skill(score: float, baseline: float) -> float | None:
    """``1 - score / baseline``; None when the baseline scored a perfect 0."""
    return None if baseline == 0 else 1 - score / baseline


@dataclass(frozen=True)
class Bin:
    """A bin of forecasts: its range, how many fell in it, their mean, how often the event came."""

    low: float
    high: float
    count: int
    forecast: float | None  # mean forecast in the bin, None when empty
    observed: float | None  # share of its cases in which the event happened

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "low": self.low,
            "high": self.high,
            "count": self.count,
            "forecast": self.forecast,
            "observed": self.observed,
        }


def reliability(p: ArrayLike, o: ArrayLike, bins: int = BINS) -> list[Bin]:
    """``bins`` equal bins of [0, 1]: [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] (the last closed)."""
    p_, o_ = _arrays(p, o)
    index = np.minimum((p_ * bins).astype(np.int64), bins - 1)
    out = []
    for b in range(bins):
        inside = index == b
        count = int(inside.sum())
        out.append(
            Bin(
                b / bins,
                (b + 1) / bins,
                count,
                float(p_[inside].mean()) if count else None,
                float(o_[inside].mean()) if count else None,
            )
        )
    return out
