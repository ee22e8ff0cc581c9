"""Priors of a calibration: ``PATH=PRIOR``, what a number may be before the record is seen.

``noise.false_alarm=beta(2,30)``: the path is a ``--set`` path of the
scenario, the prior one of ``uniform(low, high)``, ``triangular(low, mode,
high)``, ``normal(mean, sd)``, ``lognormal(mu, sigma)`` (of the log) or
``beta(a, b)``. A bounded prior (uniform, triangular, beta) must lie within
the range the number's field allows (a probability in [0, 1]); an unbounded
one (normal, lognormal) is truncated to that range and must keep some
probability inside it. Integer fields are rounded when applied. Every prior
is checked, the scenario validated at both ends of its support (its 0.1% and
99.9% quantiles where the support is infinite), and every problem reported
at once, before any simulation.

This is the one place that parses priors; the scenario's own distribution
syntax (``detente.scenario.distributions``, being added alongside) can
replace :func:`parse_prior` without changing the rest of the package.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.dtypes import F64
from detente.scenario.fields import Bounds, schema_bounds
from detente.scenario.paths import parse_path, resolve
from detente.sensitivity.params import (
    STRICT_MARGIN,
    Parameter,
    SensitivityError,
    check_ends,
    each,
    number_at,
)

# name -> the parameters it takes, in order
FAMILIES: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "beta": ("a", "b"),
}
UNBOUNDED = ("normal", "lognormal")
TAIL = 1e-3  # where an infinite support is validated: its 0.1% and 99.9% quantiles
EXAMPLE = "noise.false_alarm=beta(2,30)"
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$")


def _frozen(name: str, params: tuple[float, ...]) -> Any:
    """The scipy.stats distribution of a family, untruncated."""
    from scipy import stats

    if name == "uniform":
        return stats.uniform(loc=params[0], scale=params[1] - params[0])
    if name == "triangular":
        low, mode, high = params
        return stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    if name == "normal":
        return stats.norm(loc=params[0], scale=params[1])
    if name == "lognormal":
        return stats.lognorm(s=params[1], scale=math.exp(params[0]))
    return stats.beta(params[0], params[1])


@dataclass(frozen=True)
class Prior:
    """One fitted number: its path, its prior as written, and the support after truncation."""

    path: str
    name: str
    params: tuple[float, ...]
    low: float
    high: float
    integer: bool
    nominal: float  # what the scenario writes

    def __str__(self) -> str:
        return f"{self.name}({', '.join(f'{v:g}' for v in self.params)})"

    def _mass(self) -> tuple[Any, float, float]:
        dist = _frozen(self.name, self.params)
        return dist, float(dist.cdf(self.low)), float(dist.cdf(self.high))

    def ppf(self, u: F64) -> F64:
        """The inverse CDF of the truncated prior (``u`` in [0, 1])."""
        dist, lo, hi = self._mass()
        out: F64 = np.clip(dist.ppf(lo + np.asarray(u) * (hi - lo)), self.low, self.high)
        return out

    def pdf(self, x: F64) -> F64:
        """The density of the truncated prior; 0 outside its support."""
        dist, lo, hi = self._mass()
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, dist.pdf(x) / (hi - lo), 0.0)

    def cdf(self, x: F64) -> F64:
        dist, lo, hi = self._mass()
        out: F64 = np.clip((dist.cdf(np.asarray(x, dtype=float)) - lo) / (hi - lo), 0.0, 1.0)
        return out

    def parameter(self) -> Parameter:
        """As a sensitivity parameter: how a value is written as a ``--set`` override."""
        return Parameter(self.path, self.nominal, self.low, self.high, self.integer, False)

    def ends(self) -> tuple[float, float]:
        """Where the scenario is validated: the support's ends, or its tails when infinite."""
        low, high = (float(v) for v in self.ppf(np.array([TAIL, 1 - TAIL])))
        return (self.low if math.isfinite(self.low) else low), (
            self.high if math.isfinite(self.high) else high
        )


def parse_prior(text: str) -> tuple[str, str, tuple[float, ...]]:
    """``noise.miss=beta(2,30)`` -> ``("noise.miss", "beta", (2.0, 30.0))``, checked."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    where = f"--param {text!r}"
    if not sep or not path or not raw.strip():
        raise SensitivityError(f"{where}: expected PATH=PRIOR, e.g. {EXAMPLE}")
    found = _CALL.match(raw)
    if found is None:
        raise SensitivityError(f"{where}: the prior {raw!r} is not NAME(numbers), e.g. beta(2,30)")
    name, args = found.group(1), found.group(2)
    if name not in FAMILIES:
        known = ", ".join(f"{n}({', '.join(a)})" for n, a in FAMILIES.items())
        raise SensitivityError(f"{where}: unknown distribution {name!r}; one of {known}")
    names = FAMILIES[name]
    items = [a.strip() for a in args.split(",")] if args.strip() else []
    if len(items) != len(names):
        raise SensitivityError(
            f"{where}: {name} takes {len(names)} parameters ({', '.join(names)}), got {len(items)}"
        )
    try:
        params = tuple(float(a) for a in items)
    except ValueError:
        bad = next(a for a in items if not _is_number(a))
        raise SensitivityError(f"{where}: {bad!r} is not a number") from None
    if not all(math.isfinite(v) for v in params):
        raise SensitivityError(f"{where}: the parameters must be finite numbers")
    problem = _bad_parameters(name, params)
    if problem:
        raise SensitivityError(f"{where}: {problem}")
    return path, name, params


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _bad_parameters(name: str, p: tuple[float, ...]) -> str | None:
    if name == "uniform" and not p[0] < p[1]:
        return f"uniform needs low < high, got low {p[0]:g} and high {p[1]:g}"
    if name == "triangular" and not (p[0] <= p[1] <= p[2] and p[0] < p[2]):
        return (
            f"triangular needs low <= mode <= high and low < high, got {p[0]:g}, {p[1]:g}, {p[2]:g}"
        )
    if name in UNBOUNDED and p[1] <= 0:
        return f"{name} needs a positive {FAMILIES[name][1]}, got {p[1]:g}"
    if name == "beta" and (p[0] <= 0 or p[1] <= 0):
        return f"beta needs a > 0 and b > 0, got a {p[0]:g} and b {p[1]:g}"
    return None


def _interval(b: Bounds) -> str:
    """The range a field allows, as an interval (``[0, 1]``); ``Bounds.text`` once merged."""
    lo = "-inf" if b.low is None else f"{b.low:g}"
    hi = "inf" if b.high is None else f"{b.high:g}"
    return f"{'(' if b.open_low else '['}{lo}, {hi}{')' if b.open_high else ']'}"


def _support(name: str, params: tuple[float, ...]) -> tuple[float, float]:
    if name in ("uniform", "triangular"):
        return params[0], params[-1]
    if name == "beta":
        return 0.0, 1.0
    return (0.0 if name == "lognormal" else -math.inf), math.inf


def _prior(doc: Any, text: str) -> Prior:
    path, name, params = parse_prior(text)
    nominal = number_at(doc, path)
    b = schema_bounds(resolve(doc, parse_path(path)))
    low, high = _support(name, params)
    where = f"--param {path}={name}({', '.join(f'{v:g}' for v in params)})"
    if name not in UNBOUNDED:
        for end in (low, high):
            if (b.low is not None and end < b.low) or (b.high is not None and end > b.high):
                raise SensitivityError(
                    f"{where}: its support [{low:g}, {high:g}] reaches {end:g}, outside the "
                    f"range {_interval(b)} this number allows"
                )
    if b.low is not None:
        low = max(low, b.low + (STRICT_MARGIN if b.open_low else 0.0))
    if b.high is not None:
        high = min(high, b.high - (STRICT_MARGIN if b.open_high else 0.0))
    prior = Prior(path, name, params, low, high, b.integer, nominal)
    _, lo, hi = prior._mass()
    if not hi - lo > 1e-9:
        raise SensitivityError(
            f"{where}: puts no probability inside the range {_interval(b)} this number allows"
        )
    if b.integer and round(prior.ends()[0]) == round(prior.ends()[1]):
        raise SensitivityError(f"{where}: an integer number needs a prior spanning two integers")
    return prior


def choose_priors(doc: Any, source: str, given: Sequence[str]) -> list[Prior]:
    """The ``--param PATH=PRIOR`` priors, each checked against the scenario ``doc``.

    Every problem is found before anything is simulated, all at once; errors
    name the option, the path and the value.
    """
    if not given:
        raise SensitivityError(f"name the numbers to fit: --param PATH=PRIOR, e.g. {EXAMPLE}")
    paths = [text.partition("=")[0].strip() for text in given]
    if dup := sorted({p for p in paths if paths.count(p) > 1}):
        raise SensitivityError(f"--param {dup[0]}: given twice")
    priors = each(given, lambda text: _prior(doc, text))

    def valid(prior: Prior) -> Prior:
        low, high = prior.ends()
        check_ends(
            doc, source, Parameter(prior.path, prior.nominal, low, high, prior.integer, False)
        )
        return prior

    return each(priors, valid)
