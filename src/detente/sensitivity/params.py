"""The parameters of a sensitivity analysis: ``--set`` paths with the range each is sampled in.

By default they are the numbers the scenario marks as assumptions
(:mod:`detente.scenario.provenance`), each over its value +/- :data:`SPREAD`
(half of its magnitude) clipped to the range its schema field allows
(probabilities to [0, 1], intensities to [-10, 10] ...). Numbers written as 0
have no relative range and are left out unless named with a range. Integer
fields are sampled on the continuous range and rounded to the nearest integer.
``--param PATH=LOW:HIGH`` names the parameters instead (``--param PATH`` alone
takes the default range). Every range is checked against the schema and by
validating the scenario at both ends, before anything is simulated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from detente.scenario.errors import ScenarioError
from detente.scenario.fields import Bounds, schema_bounds
from detente.scenario.load import parse_scenario
from detente.scenario.overrides import OverrideError, apply_overrides, number_text
from detente.scenario.paths import PathError, parse_path, resolve
from detente.scenario.provenance import numbers

T = TypeVar("T")
U = TypeVar("U")
SPREAD = 0.5  # default range: the value times 1 -/+ SPREAD
STRICT_MARGIN = 1e-9  # how far inside an open bound (gt, lt) a default range stops
RANGE_NOTE = (
    "default ranges: each assumption's value +/- 50% of its magnitude, clipped to the range "
    "its field allows (probabilities [0, 1]); numbers written as 0 are left out; integers rounded"
)


class SensitivityError(ValueError):
    """A sensitivity analysis that cannot run as asked: a bad parameter, range, output or method."""


@dataclass(frozen=True)
class Parameter:
    """One sampled number: its ``--set`` path, the value the scenario writes, its range."""

    path: str
    nominal: float
    low: float
    high: float
    integer: bool
    default_range: bool

    def text(self, x: float) -> str:
        """The sampled value ``x`` as a ``--set`` value (YAML): rounded for integer fields."""
        return number_text(x, self.integer)


def default_range(value: float, b: Bounds) -> tuple[float, float]:
    """``value`` +/- :data:`SPREAD` of its magnitude, clipped inside what ``b`` allows."""
    low, high = value - SPREAD * abs(value), value + SPREAD * abs(value)
    if b.low is not None:
        low = max(low, b.low + (STRICT_MARGIN if b.open_low else 0.0))
    if b.high is not None:
        high = min(high, b.high - (STRICT_MARGIN if b.open_high else 0.0))
    return low, high


def number_at(doc: Any, path: str) -> float:
    """The number the document writes at ``path``; an error naming it when there is none."""
    try:
        node = doc
        for step in resolve(doc, parse_path(path)):
            node = node[step]
    except PathError as err:
        raise SensitivityError(f"--param {path}: {err}") from None
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise SensitivityError(f"--param {path}: not a number in the scenario (it is {node!r})")
    return float(node)


def parse_param(text: str) -> tuple[str, tuple[float, float] | None]:
    """``noise.miss=0:0.2`` -> ``("noise.miss", (0.0, 0.2))``; ``noise.miss`` -> default range."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not path or (sep and not raw.strip()):
        raise SensitivityError(f"--param {text!r}: expected PATH=LOW:HIGH, e.g. noise.miss=0:0.2")
    if not sep:
        return path, None
    low, colon, high = raw.partition(":")
    try:
        if not colon:
            raise ValueError
        bounds = float(low), float(high)
    except ValueError:
        raise SensitivityError(
            f"--param {text!r}: the range {raw!r} is not LOW:HIGH (two numbers)"
        ) from None
    if not all(math.isfinite(v) for v in bounds):
        raise SensitivityError(f"--param {text!r}: the range must be finite numbers")
    if bounds[0] >= bounds[1]:
        raise SensitivityError(f"--param {text!r}: LOW must be below HIGH, got {raw}")
    return path, bounds


def _parameter(doc: Any, path: str, given: tuple[float, float] | None) -> Parameter:
    value = number_at(doc, path)
    b = schema_bounds(resolve(doc, parse_path(path)))
    if given is None:
        if value == 0:
            raise SensitivityError(
                f"--param {path}: the scenario writes 0, which has no default range; "
                "give one: PATH=LOW:HIGH"
            )
        low, high = default_range(value, b)
    else:
        low, high = given
        if bad := [x for x in given if b.outside(x)]:
            raise SensitivityError(
                f"--param {path}={low:g}:{high:g}: {bad[0]:g} is outside the range "
                f"{b.text()} this number allows"
            )
    if given is not None and b.integer and round(low) == round(high):
        raise SensitivityError(
            f"--param {path}={low:g}:{high:g}: an integer number needs a range spanning "
            "at least two integers"
        )
    return Parameter(path, value, low, high, b.integer, given is None)


def check_ends(doc: Any, source: str, p: Parameter) -> None:
    """Validate the scenario with ``p`` at each end of its range, the rest as written."""
    for x in (p.low, p.high):
        try:
            parse_scenario(apply_overrides(doc, [f"{p.path}={p.text(x)}"]), source)
        except (ScenarioError, OverrideError) as err:
            raise SensitivityError(
                f"--param {p.path}: the scenario is not valid at {p.text(x)} "
                f"(range {p.low:g}:{p.high:g}):\n{err}"
            ) from None


def each(items: Sequence[T], check: Callable[[T], U]) -> list[U]:
    """``check`` of every item; one error listing every problem when any fails."""
    out, problems = [], []
    for item in items:
        try:
            out.append(check(item))
        except SensitivityError as err:
            problems.append(str(err))
    if problems:
        raise SensitivityError("\n".join(problems))
    return out


def choose_parameters(doc: Mapping[str, Any], source: str, given: Sequence[str]) -> list[Parameter]:
    """The ``--param`` parameters, or by default every non-zero assumption of the scenario.

    Every problem is found before anything is simulated, all of them at once; errors
    name the path and value.
    """
    if given:
        paths = [text.partition("=")[0].strip() for text in given]
        if dup := sorted({p for p in paths if paths.count(p) > 1}):
            raise SensitivityError(f"--param {dup[0]}: given twice")
        params = each(given, lambda text: _parameter(doc, *parse_param(text)))
    else:
        assumed = [n.path for n in numbers(doc) if n.basis == "assumption" and n.value != 0]
        params = each(assumed, lambda path: _parameter(doc, path, None))
        params = [p for p in params if not (p.integer and round(p.low) == round(p.high))]  # 1 value
        if not params:
            raise SensitivityError(
                "the scenario marks no non-zero number as an assumption; name parameters "
                "with --param PATH=LOW:HIGH"
            )

    def ends(p: Parameter) -> Parameter:
        check_ends(doc, source, p)
        return p

    return each(params, ends)
