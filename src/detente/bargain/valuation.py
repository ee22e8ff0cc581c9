"""Present values over the horizon: what a package is worth from a round to the end.

A scenario's utilities are per round. Bargaining values a package as the present value
of what it brings from the starting round ``r`` to the horizon ``H`` (``n = H - r + 1``
rounds) at the scenario's discount ``delta``, counting round ``r`` undiscounted:

* a *flow* (a repeatable act, kept every round once agreed, or a standing policy, in
  force until revoked) is worth its per-round value times
  ``sum_(t < n) delta**t``;
* a *one-off* act (``repeatable: false``: a dismantlement, a declaration) is worth its
  per-round value once;
* the status quo ``base`` is a flow; a pairwise term is a flow only when both its slots
  are (a one-off act coincides with anything for one round only).

:func:`flow_slots` holds the one-off/flow decision, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.bargain.errors import InvalidInputError
from detente.dtypes import B8, F64
from detente.scenario.compiled import CompiledScenario
from detente.scenario.utility import UtilityModel


def flow_slots(compiled: CompiledScenario) -> B8:
    """``[K]``: slots valued as flows (every round to the horizon) rather than once.

    Repeatable acts are flows, and so are standing policies (in force until revoked).
    """
    flows: B8 = np.array(compiled.slot_repeatable, dtype=np.bool_) | compiled.slot_standing
    return flows


@dataclass(frozen=True)
class Valuation:
    """Present value over rounds ``from_round..horizon`` at ``discount`` per round."""

    discount: float
    horizon: int
    from_round: int

    def __post_init__(self) -> None:
        if not 0.0 < self.discount <= 1.0:
            raise InvalidInputError(f"discount is {self.discount}; expected 0 < discount <= 1")
        if self.horizon < 1:
            raise InvalidInputError(f"--horizon is {self.horizon}; expected at least 1 round")
        if not 1 <= self.from_round <= self.horizon:
            raise InvalidInputError(
                f"--from-round is {self.from_round}; expected a round from 1 to the horizon "
                f"({self.horizon})"
            )

    @property
    def rounds(self) -> int:
        """Rounds valued: from ``from_round`` to ``horizon``, both included."""
        return self.horizon - self.from_round + 1

    @property
    def flow_factor(self) -> float:
        """Present value of one unit per round over the rounds valued."""
        return float(np.sum(self.discount ** np.arange(self.rounds, dtype=np.float64)))

    def weights(self, flows: B8) -> F64:
        """``[K]``: the factor of each slot's per-round value (flow factor or 1)."""
        return np.where(flows, self.flow_factor, 1.0)

    def present_values(self, utilities: UtilityModel, flows: B8) -> UtilityModel:
        """The per-round model ``utilities`` turned into present values over the rounds."""
        weights = self.weights(flows)
        pair_weights = np.minimum(weights[utilities.pair_k], weights[utilities.pair_l])
        return UtilityModel(
            base=utilities.base * self.flow_factor,
            linear=utilities.linear * weights[:, np.newaxis],
            pair_k=utilities.pair_k,
            pair_l=utilities.pair_l,
            pair_value=utilities.pair_value * pair_weights[:, np.newaxis],
            discount=utilities.discount,
        )


def scenario_valuation(
    compiled: CompiledScenario, horizon: int | None = None, from_round: int | None = None
) -> Valuation:
    """The valuation of ``compiled``: its discount, horizon its rounds unless given."""
    return Valuation(
        discount=compiled.utilities.discount,
        horizon=compiled.scenario.rounds if horizon is None else horizon,
        from_round=1 if from_round is None else from_round,
    )
