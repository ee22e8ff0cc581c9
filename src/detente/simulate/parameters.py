"""Where a run's uncertain numbers come from: each draw's values, addressed like any draw.

Draw ``d`` of a run with seed ``s`` takes, for the number at path ``p``, the
uniform of ``CounterRNG(s)`` at episode ``d``, round 0, stream
:data:`~detente.engine.rng.STREAM_PARAMETER`, ``a`` = a 24-bit hash of the
path's text, ``b`` = 0; its value is the distribution's inverse CDF there. So
a draw's values depend on (seed, d, path) alone: whichever draws a run asks
for, however it is chunked, and whatever else the scenario makes uncertain.

Two sources: :class:`Distributions` (the scenario's own) and
:class:`Posterior` (a calibration's weighted samples, from the file
``detente calibrate`` writes; a draw picks one sample by its addressed
uniform, with probability its weight).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from detente.dtypes import F64, I64
from detente.engine.rng import STREAM_PARAMETER, CounterRNG
from detente.scenario.posterior import PosteriorSamples, check_posterior, read_posterior_file
from detente.scenario.uncertain import UncertainNumber, UncertainScenario

POSTERIOR_KEY = "<posterior>"  # the "path" whose hash addresses a posterior's pick of a sample


class ParameterError(ValueError):
    """Uncertain numbers that cannot be drawn: two paths of one hash (a bad posterior file is
    a :class:`~detente.scenario.posterior.PosteriorError`)."""


def path_code(path: str) -> int:
    """The 24-bit position of a path's draws (``a``): a stable hash of its text."""
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8"), digest_size=3).digest(), "big")


def addressed(seed: int, draws: I64, keys: Sequence[str]) -> F64:
    """``[len(draws), len(keys)]`` uniforms: draw ``d``'s for each key (path), by its address."""
    codes = [path_code(k) for k in keys]
    if len(set(codes)) != len(codes):
        a, b = next((x, y) for x in keys for y in keys if x != y and path_code(x) == path_code(y))
        raise ParameterError(
            f"the paths {a} and {b} share a draw address (a 24-bit hash); write one of them "
            "another way (by index instead of id, or the reverse)"
        )
    draws = np.asarray(draws, dtype=np.int64)
    return CounterRNG(seed).at(draws, 0, STREAM_PARAMETER, np.array(codes, dtype=np.int64))


class ParameterSource(Protocol):
    """Each draw's values of some uncertain numbers."""

    @property
    def paths(self) -> tuple[str, ...]: ...

    def describe(self) -> tuple[str, ...]:
        """Per path, where its values come from: ``beta(2, 30)``, ``posterior (fit.json)``."""
        ...

    def values(self, seed: int, draws: I64) -> F64:
        """``[len(draws), len(paths)]``; row ``i`` depends only on (seed, draws[i])."""
        ...


@dataclass(frozen=True)
class Distributions:
    """The distributions a scenario writes."""

    numbers: tuple[UncertainNumber, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(n.path for n in self.numbers)

    def describe(self) -> tuple[str, ...]:
        return tuple(str(n.distribution) for n in self.numbers)

    def values(self, seed: int, draws: I64) -> F64:
        u = addressed(seed, draws, self.paths)
        out = np.empty_like(u)
        for j, n in enumerate(self.numbers):
            out[:, j] = n.distribution.ppf(u[:, j])
        return out


@dataclass(frozen=True, eq=False)
class Posterior(PosteriorSamples):
    """Weighted samples of a calibration: draw ``d`` is sample ``i`` with probability
    ``weights[i]`` (weights normalised to sum to 1)."""

    def describe(self) -> tuple[str, ...]:
        return tuple(f"posterior ({Path(self.file).name})" for _ in self.paths)

    def picks(self, seed: int, draws: I64) -> I64:
        """The sample each draw takes."""
        u = addressed(seed, draws, (POSTERIOR_KEY,))[:, 0]
        cumulative = np.cumsum(self.weights)
        at = np.searchsorted(cumulative, u * cumulative[-1], side="right")
        picked: I64 = np.minimum(at, len(self.weights) - 1).astype(np.int64)
        return picked

    def values(self, seed: int, draws: I64) -> F64:
        return self.samples[self.picks(seed, draws)]


def read_posterior(file: str | Path, scenario: UncertainScenario) -> Posterior:
    """The posterior in ``file`` as the source of ``scenario``'s numbers, read and checked
    against it (:mod:`detente.scenario.posterior`; :class:`PosteriorError` otherwise)."""
    post = read_posterior_file(file)
    check_posterior(post, scenario)
    return Posterior(post.file, post.paths, post.samples, post.weights)
