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
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from detente.dtypes import F64, I64
from detente.engine.rng import STREAM_PARAMETER, CounterRNG
from detente.scenario.errors import ScenarioError
from detente.scenario.fields import field_at
from detente.scenario.overrides import OverrideError
from detente.scenario.paths import PathError, parse_path, resolve
from detente.scenario.uncertain import UncertainNumber, UncertainScenario

POSTERIOR_FORMAT = "detente-posterior/1"
POSTERIOR_KEY = "<posterior>"  # the "path" whose hash addresses a posterior's pick of a sample
MAX_LISTED = 10  # problems of a posterior file listed before "and N more"


class ParameterError(ValueError):
    """Uncertain numbers that cannot be drawn: a bad posterior file, two paths of one hash."""


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
class Posterior:
    """Weighted samples of a calibration: draw ``d`` is sample ``i`` with probability
    ``weights[i]`` (weights normalised to sum to 1)."""

    file: str
    paths: tuple[str, ...]
    samples: F64  # [N, P]
    weights: F64  # [N]

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


def _fail(file: str, problems: Sequence[str]) -> ParameterError:
    shown = list(problems[:MAX_LISTED])
    if len(problems) > MAX_LISTED:
        shown.append(f"and {len(problems) - MAX_LISTED} more problems")
    lines = "\n".join(f"{file}: {p}" for p in shown)
    return ParameterError(f"{file}: not a usable posterior file\n{lines}")


def _numbers(x: Any) -> bool:
    return isinstance(x, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in x
    )


def _shape(doc: Any, file: str) -> tuple[list[str], F64, F64]:
    """The paths, samples and weights of a posterior document, or every problem of its form."""
    if not isinstance(doc, dict):
        raise _fail(file, ["the file must hold a JSON object"])
    tag = doc.get("format")
    if tag != POSTERIOR_FORMAT:
        what = "no format tag" if tag is None else f"unknown format {tag!r}"
        raise _fail(file, [f'{what} (expected "format": "{POSTERIOR_FORMAT}")'])
    paths: Any = doc.get("paths")
    samples: Any = doc.get("samples")
    weights: Any = doc.get("weights")
    problems = []
    if not (isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths)):
        problems.append(f"paths: must be a non-empty list of --set paths (got {paths!r:.80})")
    elif len(set(paths)) != len(paths):
        problems.append("paths: a path is given twice")
    if not (isinstance(samples, list) and samples and all(_numbers(s) for s in samples)):
        problems.append("samples: must be a non-empty list of lists of finite numbers")
    elif isinstance(paths, list) and (
        bad := [i for i, s in enumerate(samples) if len(s) != len(paths)]
    ):
        i = bad[0]
        problems.append(f"samples[{i}]: has {len(samples[i])} values for {len(paths)} paths")
    if not _numbers(weights):
        problems.append("weights: must be a list of finite numbers")
    elif isinstance(samples, list) and len(weights) != len(samples):
        problems.append(f"weights: {len(weights)} weights for {len(samples)} samples")
    elif any(w < 0 for w in weights):
        i = next(i for i, w in enumerate(weights) if w < 0)
        problems.append(f"weights[{i}]: a weight cannot be negative (got {weights[i]})")
    elif not sum(weights) > 0:
        problems.append("weights: they sum to 0")
    if problems:
        raise _fail(file, problems)
    w = np.asarray(weights, dtype=float)
    return paths, np.asarray(samples, dtype=float), w / w.sum()


def read_posterior(file: str | Path, scenario: UncertainScenario) -> Posterior:
    """The posterior in ``file``, checked against ``scenario``: every path a number there, every
    value in its field's range, the scenario valid at the first sample. :class:`ParameterError`
    naming the file and each problem (its path, sample and value) otherwise."""
    name = str(file)
    try:
        doc = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ParameterError(f"{name}: cannot read the posterior file ({err})") from None
    except json.JSONDecodeError as err:
        raise ParameterError(f"{name}: not JSON ({err})") from None
    paths, samples, weights = _shape(doc, name)
    problems = []
    for j, path in enumerate(paths):
        try:
            field = field_at(resolve(scenario.doc, parse_path(path)))
        except PathError as err:
            problems.append(f"paths[{j}]: {path}: {err}")
            continue
        if not field.numeric:
            problems.append(f"paths[{j}]: {path}: not a number of the scenario")
            continue
        for i in np.flatnonzero([field.bounds.outside(x) for x in samples[:, j]]):
            problems.append(
                f"samples[{i}][{j}]: {path} = {samples[i, j]:g} is outside the range "
                f"{field.bounds.text()} it allows"
            )
    if problems:
        raise _fail(name, problems)
    try:
        scenario.at(paths, samples[0])
    except (ScenarioError, OverrideError) as err:
        raise _fail(name, [f"samples[0]: the scenario is not valid there:\n{err}"]) from None
    return Posterior(name, tuple(paths), samples, weights)
