"""The model seam: a picklable function from sampled points ``X [n, k]`` to outputs ``Y [n, m]``.

:class:`ScenarioModel` simulates the scenario at each point (the sampled numbers
applied as ``--set`` overrides, validated and compiled once per point) with the
same seed at every point, so differences between points are the parameters',
not the dice's (common random numbers). Any other model with the same shape (the
Ishigami function of the tests) runs through the same sampling, backends and
analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from detente.dtypes import F64
from detente.sensitivity.params import Parameter, SensitivityError

SIMPLE_OUTPUTS = {
    "success": "P(success) as the scenario counts it",
    "stall": "P(stalled at least once)",
    "final_stage": "mean index of the stage after the last round (0 = first)",
}
PAYOFF = "payoff."


class Model(Protocol):
    """What the runner evaluates: named outputs, and a row of outputs per sampled point."""

    @property
    def outputs(self) -> tuple[str, ...]: ...

    def __call__(self, X: F64) -> F64: ...


def check_outputs(outputs: Sequence[str], parties: Sequence[str]) -> tuple[str, ...]:
    """The ``--output`` names, checked; a clear error for one that is not known."""
    known = [*SIMPLE_OUTPUTS, *(PAYOFF + p for p in parties)]
    if not outputs:
        raise SensitivityError("at least one --output is needed")
    for name in outputs:
        if name not in known:
            raise SensitivityError(f"--output {name!r}: unknown; one of {', '.join(known)}")
    if len(set(outputs)) != len(outputs):
        raise SensitivityError("--output: an output is given twice")
    return tuple(outputs)


def describe(output: str) -> str:
    if output.startswith(PAYOFF):
        return f"mean discounted payoff of {output.removeprefix(PAYOFF)}"
    return SIMPLE_OUTPUTS[output]


@dataclass(frozen=True)
class ScenarioModel:
    """A scenario document, the sampled parameters and how each point is simulated."""

    doc: dict[str, Any]
    source: str
    parameters: tuple[Parameter, ...]
    outputs: tuple[str, ...]
    profile: dict[str, str]
    episodes: int
    seed: int
    rounds: int | None = None

    def point(self, x: F64) -> F64:
        """Simulate the scenario with the numbers of ``x``; one value per output."""
        from detente.scenario.compiled import compile_scenario
        from detente.sensitivity.points import realise
        from detente.simulate.runner import simulate

        scenario = realise(self.doc, self.source, self.parameters, x)
        r = simulate(
            compile_scenario(scenario), self.profile, self.episodes, self.rounds, self.seed
        )
        values = []
        for name in self.outputs:
            if name == "success":
                values.append(float(r.succeeded.mean()))
            elif name == "stall":
                values.append(float((r.stalls > 0).mean()))
            elif name == "final_stage":
                values.append(float(r.final_stage.mean()))
            else:
                party = r.parties.index(name.removeprefix(PAYOFF))
                values.append(float(r.discounted[:, party].mean()))
        return np.array(values)

    def __call__(self, X: F64) -> F64:
        return np.stack([self.point(x) for x in X]).reshape(len(X), len(self.outputs))
