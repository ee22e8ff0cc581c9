"""The posterior file (``detente-posterior/1``): its one reader, and its checks against a scenario.

``detente calibrate`` writes it (:mod:`detente.calibrate.posterior`); forecasts
draw their numbers from it (``--posterior``, :mod:`detente.simulate.parameters`).
JSON, UTF-8: ``paths`` (``--set`` paths), ``samples`` (``samples[i][j]`` is the
value of ``paths[j]`` in sample i), ``weights`` (renormalised to sum to 1) and
what was fitted (docs/calibrate.md). It lives below both users, in the package
that loads nothing heavy, so that ``calibrate`` stays light to import.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.dtypes import F64
from detente.scenario.distributions import fixed
from detente.scenario.errors import ScenarioError
from detente.scenario.fields import field_at
from detente.scenario.overrides import OverrideError
from detente.scenario.paths import PathError, parse_path, resolve
from detente.scenario.uncertain import UncertainScenario

POSTERIOR_FORMAT = "detente-posterior/1"
MAX_LISTED = 10  # problems of a posterior file listed before "and N more"


class PosteriorError(ValueError):
    """A posterior file that cannot be used; the message names the file and every problem."""


@dataclass(frozen=True, eq=False)
class PosteriorSamples:
    """The weighted samples of a posterior file."""

    file: str
    paths: tuple[str, ...]
    samples: F64  # [N, P]
    weights: F64  # [N], summing to 1


def _fail(file: str, problems: Sequence[str]) -> PosteriorError:
    shown = list(problems[:MAX_LISTED])
    if len(problems) > MAX_LISTED:
        shown.append(f"and {len(problems) - MAX_LISTED} more problems")
    lines = "\n".join(f"{file}: {p}" for p in shown)
    return PosteriorError(f"{file}: not a usable posterior file\n{lines}")


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _paths(paths: Any) -> list[str]:
    if not (isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths)):
        return [f"paths: must be a non-empty list of --set paths (got {paths!r:.80})"]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    return [f"paths: {p} is given twice" for p in twice]


def _samples(samples: Any, width: int | None) -> list[str]:
    if not (isinstance(samples, list) and samples):
        return ["samples: must be a non-empty list of rows, one per sample"]
    problems = []
    for i, row in enumerate(samples):
        if not isinstance(row, list):
            problems.append(f"samples[{i}]: must be a list of numbers, one per path")
        elif width is not None and len(row) != width:
            problems.append(f"samples[{i}]: has {len(row)} values for {width} paths")
        else:
            problems.extend(
                f"samples[{i}][{j}]: not a finite number ({v!r})"
                for j, v in enumerate(row)
                if not _finite(v)
            )
    return problems


def _weights(weights: Any, count: int | None) -> list[str]:
    if not isinstance(weights, list):
        return ["weights: must be a list of numbers, one per sample"]
    problems = []
    if count is not None and len(weights) != count:
        problems.append(f"weights: {len(weights)} weights for {count} samples")
    for i, w in enumerate(weights):
        if not _finite(w):
            problems.append(f"weights[{i}]: not a finite number ({w!r})")
        elif w < 0:
            problems.append(f"weights[{i}]: a weight cannot be negative (got {w})")
    if not problems and not sum(weights) > 0:
        problems.append("weights: they sum to 0")
    return problems


def read_posterior_file(file: str | Path) -> PosteriorSamples:
    """The samples of the posterior file ``file``, its form checked (the format tag, paths,
    samples and weights); :class:`PosteriorError` naming the file and every problem."""
    name = str(file)
    try:
        doc = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PosteriorError(f"{name}: cannot read the posterior file ({err})") from None
    except json.JSONDecodeError as err:
        raise PosteriorError(f"{name}: not JSON ({err})") from None
    if not isinstance(doc, dict):
        raise _fail(name, [f"the file must hold a JSON object (got {type(doc).__name__})"])
    tag = doc.get("format")
    if tag != POSTERIOR_FORMAT:
        what = "no format tag" if tag is None else f"unknown format {tag!r}"
        raise _fail(name, [f'{what} (expected "format": "{POSTERIOR_FORMAT}")'])
    paths: Any = doc.get("paths")
    samples: Any = doc.get("samples")
    weights: Any = doc.get("weights")
    problems = _paths(paths)
    problems += _samples(samples, len(paths) if isinstance(paths, list) else None)
    problems += _weights(weights, len(samples) if isinstance(samples, list) else None)
    if problems:
        raise _fail(name, problems)
    w = np.asarray(weights, dtype=float)
    return PosteriorSamples(name, tuple(paths), np.asarray(samples, dtype=float), w / w.sum())


def check_posterior(post: PosteriorSamples, scenario: UncertainScenario) -> None:
    """Whether ``post`` can give ``scenario`` its numbers: every path a number there that may
    vary, every value in its field's range, the scenario valid at every sample;
    :class:`PosteriorError` naming the file and each problem (its path, sample and value)."""
    problems = []
    for j, path in enumerate(post.paths):
        try:
            field = field_at(resolve(scenario.doc, parse_path(path)))
        except PathError as err:
            problems.append(f"paths[{j}]: {path}: {err}")
            continue
        why = fixed(field) if field.numeric else "not a number of the scenario"
        if why:
            problems.append(f"paths[{j}]: {path}: {why}")
            continue
        for i in np.flatnonzero([field.bounds.outside(x) for x in post.samples[:, j]]):
            problems.append(
                f"samples[{i}][{j}]: {path} = {post.samples[i, j]:g} is outside the range "
                f"{field.bounds.text()} it allows"
            )
    if problems:
        raise _fail(post.file, problems)
    _, first = np.unique(post.samples, axis=0, return_index=True)
    for i in sorted(first):  # every distinct sample: one may break a rule across numbers
        try:
            scenario.at(post.paths, post.samples[i])
        except (ScenarioError, OverrideError) as err:
            problems.append(f"samples[{i}]: the scenario is not valid there:\n{err}")
    if problems:
        raise _fail(post.file, problems)
