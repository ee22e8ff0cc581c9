"""Numbers written as distributions: ``beta(2, 30)`` where a scenario takes a number.

Any number of a scenario may be written, in the YAML or with ``--set``, as
``uniform(low, high)``, ``triangular(low, mode, high)``, ``normal(mean, sd)``,
``lognormal(mu, sigma)`` (the mean and sd of the log) or ``beta(a, b)``.
Normal and log-normal are *truncated* to the range the field allows (the
inverse CDF restricted to [F(low), F(high)]); uniform, triangular and beta must
lie inside it. Integer fields round the drawn value. A draw that lands exactly
on an open limit (``trust`` in (0, 1)) is moved just inside it. A
:class:`Distribution` gives its inverse CDF (each draw's value), and its density
and CDF (``detente calibrate`` uses the same distributions as priors).

Only where the schema takes a number: a distribution on any other field is an
error, and so are ``rounds`` and ``roadmap.success.hold_rounds``, which size
every episode's arrays and define the outcome being counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.dtypes import F64
from detente.scenario.errors import ScenarioError, ScenarioIssue, format_path
from detente.scenario.fields import Bounds, Field, field_at
from detente.scenario.paths import Step, render_path
from detente.scenario.schema import Scenario, Success

SIGNATURES = {
    "uniform": "uniform(low, high)",
    "triangular": "triangular(low, mode, high)",
    "normal": "normal(mean, sd)",
    "lognormal": "lognormal(mu, sigma)",
    "beta": "beta(a, b)",
}
"""Every distribution, as it is written."""
ARITY = {name: text.count(",") + 1 for name, text in SIGNATURES.items()}
FIXED = {
    (Scenario, "rounds"): "it sizes every episode's arrays and the summary's histograms",
    (Success, "hold_rounds"): "it defines what success is, which every summary counts",
}
"""Numbers that may not be uncertain, and why."""
MIN_MASS = 1e-9  # a truncated distribution with less mass in range has none
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$", re.S)
_OPENED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")  # a call, perhaps cut at a comma


class DistributionError(ValueError):
    """A distribution that cannot be used where it is written; the message says why."""


@dataclass(frozen=True)
class Distribution:
    """A number's distribution, as written, with its support in the field's valid range."""

    name: str
    params: tuple[float, ...]
    low: float
    high: float
    integer: bool

    def ppf(self, u: F64, rounded: bool = True) -> F64:
        """The inverse CDF (of the truncated distribution) at ``u`` in [0, 1), inside [low, high],
        rounded for integer fields unless ``rounded`` is False (a fit draws the continuous value,
        whose density :meth:`pdf` is, and rounds it where it applies it)."""
        u = np.asarray(u, dtype=float)
        x = _QUANTILES[self.name](self, u)
        x = np.clip(x, self.low, self.high)
        return np.round(x) if self.integer and rounded else x

    @property
    def median(self) -> float:
        return float(self.ppf(np.array([0.5]))[0])

    def pdf(self, x: F64) -> F64:
        """The density of the truncated distribution (0 outside [low, high]), of the value
        before rounding on an integer field."""
        return self._at(_DENSITIES, x, outside_high=0.0)

    def cdf(self, x: F64) -> F64:
        """The CDF of the truncated distribution, the inverse of :meth:`ppf` (before rounding)."""
        return np.clip(self._at(_CDFS, x, outside_high=1.0), 0.0, 1.0)

    def _at(self, functions: _Functions, x: F64, outside_high: float) -> F64:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = functions[self.name](self, np.clip(x, self.low, self.high))
        y = np.where(np.isnan(y), 0.0, y)  # a log-normal's density at 0
        return np.where(x < self.low, 0.0, np.where(x > self.high, outside_high, y))

    def __str__(self) -> str:
        return f"{self.name}({', '.join(f'{p:g}' for p in self.params)})"


def _uniform(d: Distribution, u: F64) -> F64:
    low, high = d.params
    return low + u * (high - low)


def _triangular(d: Distribution, u: F64) -> F64:
    low, mode, high = d.params
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < c, left, right)


def _beta(d: Distribution, u: F64) -> F64:
    from scipy.special import betaincinv

    a, b = d.params
    return np.asarray(betaincinv(a, b, u), dtype=float)


def _truncated_normal(mean: float, sd: float, low: float, high: float, u: F64) -> F64:
    """The standard normal's inverse CDF on [F(low), F(high)], scaled to ``mean``, ``sd``."""
    from scipy.special import ndtr, ndtri

    f_low, f_high = ndtr((low - mean) / sd), ndtr((high - mean) / sd)
    return np.asarray(mean + sd * ndtri(f_low + u * (f_high - f_low)), dtype=float)


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _gaussian(d: Distribution) -> tuple[float, float, float, float]:
    """Mean, sd and the support's limits on the normal's scale (the log's for lognormal)."""
    mean, sd = d.params
    if d.name == "lognormal":
        return mean, sd, _log(d.low), _log(d.high)
    return mean, sd, d.low, d.high


def _mass(d: Distribution) -> float:
    """The probability a normal or log-normal puts in [low, high]: what truncation keeps."""
    from scipy.special import ndtr

    mean, sd, low, high = _gaussian(d)
    return float(ndtr((high - mean) / sd) - ndtr((low - mean) / sd))


def _normal(d: Distribution, u: F64) -> F64:
    return _truncated_normal(*_gaussian(d), u)


def _lognormal(d: Distribution, u: F64) -> F64:
    return np.exp(_truncated_normal(*_gaussian(d), u))


_Functions = dict[str, Callable[[Distribution, F64], F64]]  # per distribution's name
_QUANTILES: _Functions = {
    "uniform": _uniform,
    "triangular": _triangular,
    "normal": _normal,
    "lognormal": _lognormal,
    "beta": _beta,
}


def _triangular_at(d: Distribution, x: F64, density: bool) -> F64:
    """The triangular density at ``x``, or its CDF."""
    low, mode, high = d.params
    left = (x - low) / ((high - low) * (mode - low))
    right = (high - x) / ((high - low) * (high - mode))
    if density:
        return np.where(x < mode, 2 * left, 2 * right)
    return np.where(x < mode, (x - low) * left, 1 - (high - x) * right)


def _beta_pdf(d: Distribution, x: F64) -> F64:
    from scipy.special import betaln, xlog1py, xlogy

    a, b = d.params
    return np.asarray(np.exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b)), dtype=float)


def _beta_cdf(d: Distribution, x: F64) -> F64:
    from scipy.special import betainc

    a, b = d.params
    return np.asarray(betainc(a, b, x), dtype=float)


def _gaussian_pdf(d: Distribution, x: F64) -> F64:
    mean, sd, _, _ = _gaussian(d)
    z = ((np.log(x) if d.name == "lognormal" else x) - mean) / sd
    scale = sd * (x if d.name == "lognormal" else 1.0)
    return np.asarray(np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * scale) / _mass(d))


def _gaussian_cdf(d: Distribution, x: F64) -> F64:
    from scipy.special import ndtr

    mean, sd, low, _ = _gaussian(d)
    t = np.log(x) if d.name == "lognormal" else x
    return np.asarray((ndtr((t - mean) / sd) - ndtr((low - mean) / sd)) / _mass(d), dtype=float)


_DENSITIES: _Functions = {
    "uniform": lambda d, x: np.full_like(x, 1 / (d.params[1] - d.params[0])),
    "triangular": lambda d, x: _triangular_at(d, x, density=True),
    "normal": _gaussian_pdf,
    "lognormal": _gaussian_pdf,
    "beta": _beta_pdf,
}
_CDFS: _Functions = {
    "uniform": lambda d, x: (x - d.params[0]) / (d.params[1] - d.params[0]),
    "triangular": lambda d, x: _triangular_at(d, x, density=False),
    "normal": _gaussian_cdf,
    "lognormal": _gaussian_cdf,
    "beta": _beta_cdf,
}


def is_call(value: Any) -> bool:
    """Whether ``value`` is written like a distribution: ``NAME(...)``."""
    return (
        isinstance(value, str)
        and value.rstrip().endswith(")")  # cheap: most strings are ids and prose
        and _CALL.match(value) is not None
    )


def _any_call(doc: Any) -> bool:
    """Whether any value in ``doc`` is written like a distribution (one pass, no paths built:
    the common case, a document without any, costs a fraction of its validation)."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and "(" in node and _OPENED.match(node):
            return True
    return False


def _numbers(text: str, name: str) -> tuple[float, ...]:
    _, body = _CALL.match(text).groups()  # type: ignore[union-attr]
    parts = [p.strip() for p in body.split(",")] if body.strip() else []
    if len(parts) != ARITY[name]:
        raise DistributionError(
            f"{name} takes {ARITY[name]} parameters, {SIGNATURES[name]}; got {len(parts)}"
        )
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        bad = next(p for p in parts if not _is_number(p))
        raise DistributionError(
            f"the parameters of {name} must be numbers: {bad!r} is not"
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise DistributionError(f"the parameters of {name} must be finite numbers")
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check(name: str, p: tuple[float, ...]) -> tuple[float, float]:
    """The natural support of ``name(p)``; an error for parameters it cannot take."""
    if name == "uniform":
        if p[0] >= p[1]:
            raise DistributionError("uniform(low, high) needs low < high")
        return p[0], p[1]
    if name == "triangular":
        if p[0] >= p[2]:
            raise DistributionError("triangular(low, mode, high) needs low < high")
        if not p[0] <= p[1] <= p[2]:
            raise DistributionError("triangular(low, mode, high) needs the mode in [low, high]")
        return p[0], p[2]
    if name == "beta":
        if p[0] <= 0 or p[1] <= 0:
            raise DistributionError("beta(a, b) needs a > 0 and b > 0")
        return 0.0, 1.0
    if p[1] <= 0:
        which = "sd" if name == "normal" else "sigma"
        raise DistributionError(f"{name} needs {which} > 0")
    return (-math.inf if name == "normal" else 0.0), math.inf


def fixed(field: Field) -> str | None:
    """Why the number of ``field`` may not vary between draws (None: it may)."""
    why = FIXED.get((field.model, field.name))  # type: ignore[arg-type]
    return f"{field.name} cannot be uncertain: {why}" if why else None


def _inside(bounds: Bounds) -> tuple[float, float]:
    """The closed range of values a field accepts (an open limit stepped just inside)."""
    low = -math.inf if bounds.low is None else bounds.low
    high = math.inf if bounds.high is None else bounds.high
    if bounds.open_low:
        low = math.nextafter(low, math.inf)
    if bounds.open_high:
        high = math.nextafter(high, -math.inf)
    return low, high


def parse_distribution(text: str, field: Field) -> Distribution:
    """The distribution ``text`` writes, for a number of ``field``; :class:`DistributionError`
    saying what is wrong otherwise."""
    opened = _OPENED.match(text)
    if opened is None:
        raise DistributionError(f"not a distribution: {', '.join(SIGNATURES.values())}")
    name = opened.group(1)
    if _CALL.match(text) is None:
        raise DistributionError(
            "a distribution without its closing parenthesis: inside { } or [ ] YAML cuts "
            f"it at the first comma; quote it: '{SIGNATURES.get(name, name + '(...)')}'"
        )
    if name not in ARITY:
        raise DistributionError(f"unknown distribution {name!r} (known: {', '.join(ARITY)})")
    if not field.numeric:
        raise DistributionError("a distribution can stand only where the scenario takes a number")
    if why := fixed(field):
        raise DistributionError(why)
    params = _numbers(text, name)
    lo, hi = _check(name, params)
    b = field.bounds
    low, high = _inside(b)
    if name in ("normal", "lognormal"):
        d = Distribution(name, params, max(lo, low), min(hi, high), b.integer)
        if not _mass(d) > MIN_MASS:
            raise DistributionError(
                f"{d} has no probability in the range {b.text()} this number allows "
                "(it is truncated to that range)"
            )
        return d
    if (b.low is not None and lo < b.low) or (b.high is not None and hi > b.high):
        raise DistributionError(
            f"{name}'s support [{lo:g}, {hi:g}] is outside the range {b.text()} this number allows"
        )
    return Distribution(name, params, max(lo, low), min(hi, high), b.integer)


def _strings(node: Any, steps: list[Step]) -> Iterator[tuple[list[Step], str]]:
    if isinstance(node, Mapping):
        for key, child in node.items():
            yield from _strings(child, [*steps, key])
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _strings(child, [*steps, i])
    elif isinstance(node, str) and "(" in node and _OPENED.match(node):
        yield steps, node


def written(doc: Any) -> list[tuple[list[Step], str, Field]]:
    """Every value of ``doc`` written like a distribution: ``NAME(...)`` on a number field, and
    a known distribution on any other field but free text (where ``beta(2)`` is just text)."""
    found: list[tuple[list[Step], str, Field]] = []
    if not _any_call(doc):
        return found
    for steps, text in _strings(doc, []):
        field = field_at(steps)
        known = _OPENED.match(text).group(1) in ARITY  # type: ignore[union-attr]
        if field.numeric or (known and not field.text):
            found.append((steps, text, field))
    return found


class UncertainNumbersError(ScenarioError):
    """A scenario with distributions given to a command that needs fixed numbers."""

    def __init__(self, source: str, found: Sequence[tuple[Sequence[Step], str]]) -> None:
        issues = [ScenarioIssue(format_path(list(s)), "a distribution", t) for s, t in found]
        super().__init__(source, issues)
        listed = ", ".join(f"{render_path(list(s))}={t}" for s, t in found)
        self.args = (
            f"{source}: uncertain numbers ({listed}): this command needs fixed numbers; "
            "fix each with --set PATH=VALUE (detente simulate and compare draw them)",
        )


def refuse_distributions(doc: Any, source: str) -> None:
    """Raise :class:`UncertainNumbersError` when ``doc`` writes known distributions on numbers
    (other call-like values are left for validation to report)."""
    found = [
        (steps, text)
        for steps, text, field in written(doc)
        if field.numeric and is_call(text) and _CALL.match(text).group(1) in ARITY  # type: ignore[union-attr]
    ]
    if found:
        raise UncertainNumbersError(source, found)
