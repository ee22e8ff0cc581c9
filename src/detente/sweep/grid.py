"""The grid of a sweep: ``--grid PATH=v1,v2,...`` axes and their Cartesian product.

Each grid point is a list of ``PATH=VALUE`` overrides, applied by
:mod:`detente.scenario.overrides` exactly as ``--set`` would be, so a sweep
point is the scenario ``detente simulate --set ...`` would run.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from detente.scenario.paths import PathError, parse_path


class SweepError(ValueError):
    """A sweep that cannot run as asked: a bad ``--grid``, backend or option."""


@dataclass(frozen=True)
class Axis:
    """One swept path and its values, as written (read as YAML when applied)."""

    path: str
    values: tuple[str, ...]


def parse_axis(text: str) -> Axis:
    """``noise.miss=0,0.05,0.1`` -> ``Axis("noise.miss", ("0", "0.05", "0.1"))``.

    Values are split on commas, so a list value cannot be swept this way.
    """
    path, sep, raw = text.partition("=")
    values = tuple(v.strip() for v in raw.split(","))
    if not sep or not path.strip() or not all(values):
        raise SweepError(f"--grid {text!r}: expected PATH=VALUE,VALUE,..., e.g. noise.miss=0,0.1")
    try:
        parse_path(path.strip())
    except PathError as err:
        raise SweepError(f"--grid {text!r}: {err}") from None
    if len(set(values)) != len(values):
        raise SweepError(f"--grid {text!r}: a value is given twice")
    return Axis(path.strip(), values)


def grid_points(axes: Sequence[Axis]) -> list[dict[str, str]]:
    """Every grid point as ``{path: value}``, the last axis varying fastest."""
    paths = [a.path for a in axes]
    if not axes:
        raise SweepError("a sweep needs at least one --grid PATH=VALUE,VALUE,...")
    if len(set(paths)) != len(paths):
        raise SweepError("--grid: a path is swept twice")
    return [
        dict(zip(paths, values, strict=True))
        for values in itertools.product(*(a.values for a in axes))
    ]


def point_overrides(point: dict[str, str]) -> list[str]:
    """A grid point as ``--set`` overrides."""
    return [f"{path}={value}" for path, value in point.items()]
