"""A sampled point as a scenario: the parameters' values applied as ``--set`` overrides.

Shared by the sensitivity model (a point of the design) and the calibration
(a particle): one way to turn numbers into a validated scenario.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from detente.scenario.load import parse_scenario
from detente.scenario.overrides import apply_overrides
from detente.scenario.schema import Scenario
from detente.sensitivity.params import Parameter


def realise(doc: Any, source: str, parameters: Sequence[Parameter], x: Iterable[float]) -> Scenario:
    """The scenario with each parameter at its value in ``x``, validated as a file would be."""
    sets = [f"{p.path}={p.text(v)}" for p, v in zip(parameters, x, strict=True)]
    return parse_scenario(apply_overrides(doc, sets), source)
