"""Priors of a calibration: ``PATH=PRIOR``, what a number may be before the record is seen.

``noise.false_alarm=beta(2,30)``: the path is a ``--set`` path of the
scenario, the prior a distribution as the scenario writes one
(:mod:`detente.scenario.distributions` parses it, checks its parameters and
truncates it to the range the number's field allows, exactly as for a number
written as a distribution). On top of that a calibration needs the number to
be in the scenario, an integer number's prior to span two integers, and the
scenario valid at both ends of the support (its 0.1% and 99.9% quantiles
where the support is infinite). Every problem is reported at once, before any
simulation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from detente.scenario.distributions import Distribution, DistributionError, parse_distribution
from detente.scenario.fields import field_at
from detente.scenario.paths import parse_path, resolve
from detente.sensitivity.params import Parameter, SensitivityError, check_ends, each, number_at

TAIL = 1e-3  # where an infinite support is validated: its 0.1% and 99.9% quantiles
EXAMPLE = "noise.false_alarm=beta(2,30)"


@dataclass(frozen=True)
class Prior:
    """One fitted number: its path, its prior (truncated to the field), what the scenario writes."""

    path: str
    distribution: Distribution
    nominal: float

    def __str__(self) -> str:
        return str(self.distribution)

    def parameter(self) -> Parameter:
        """As a sensitivity parameter: how a value is written as a ``--set`` override."""
        d = self.distribution
        return Parameter(self.path, self.nominal, d.low, d.high, d.integer, False)

    def ends(self) -> tuple[float, float]:
        """Where the scenario is validated: the support's ends, or its tails when infinite."""
        d = self.distribution
        low, high = (float(v) for v in d.ppf(np.array([TAIL, 1 - TAIL]), rounded=False))
        return (d.low if math.isfinite(d.low) else low), (d.high if math.isfinite(d.high) else high)


def _prior(doc: Any, text: str) -> Prior:
    path, sep, raw = (part.strip() for part in text.partition("="))
    if not sep or not path or not raw:
        raise SensitivityError(f"--param {text!r}: expected PATH=PRIOR, e.g. {EXAMPLE}")
    nominal = number_at(doc, path)
    try:
        d = parse_distribution(raw, field_at(resolve(doc, parse_path(path))))
    except DistributionError as err:
        raise SensitivityError(f"--param {path}={raw}: {err}") from None
    prior = Prior(path, d, nominal)
    if d.integer and len({round(x) for x in prior.ends()}) == 1:
        raise SensitivityError(
            f"--param {path}={raw}: an integer number needs a prior spanning two integers"
        )
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
        check_ends(doc, source, replace(prior.parameter(), low=low, high=high))
        return prior

    return each(priors, valid)
