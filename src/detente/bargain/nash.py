"""The Nash bargaining package, exactly, by outer approximation of the log-product.

Maximising ``prod_p g_p`` over packages with every ``g_p > 0`` is maximising
``sum_p log g_p``. Since ``log`` is concave, each tangent ``log a + (g - a) / a`` lies
above it, so the MILP "maximise ``sum_p t_p`` with ``t_p`` below the tangents at chosen
points ``a``" over-estimates the true optimum: its bound is an upper bound, and its
package is a candidate whose true value we evaluate exactly. Adding tangents at that
package's own gains makes the model exact there, so the loop ends either when the bound
meets the best true value within :data:`NASH_GAP` (a relative gap on the product) or
when the model's optimum is a package it already models exactly; each round cuts at a
new package, so it terminates. Nothing heuristic is ever reported as optimal.

Warm start: the utilitarian package if it gives everyone a positive gain, else the
best total among the packages that do (this MILP also proves when there is no
agreement). Bounds: every party's gain lies below its LP-relaxation
maximum ``U_p``; and any package at least as good as the incumbent value ``v`` has
``log g_p >= v - sum_(q != p) log U_q``, a lower bound that shrinks the search region
and keeps the tangents' slopes moderate.

The incumbent is *not* imposed as a floor on the objective (``sum_p t_p >= v``): with
HiGHS 1.12 that row, which the incumbent meets with a margin of only the round-off
slack, made the solve fail ("Solve error" after
``HighsMipSolverData::transformNewIntegerFeasibleSolution``). The incumbent meets
every row of the cut model (the tangents at its own gains are exact there and lie above
``log`` elsewhere), so a cut model reported infeasible is a solver error, never a proof.
"""

from __future__ import annotations

import math

import numpy as np

from detente.bargain.concepts import Found, first_agreement, scaled_gains
from detente.bargain.milp import Affine, Deadline, PackageModel, SolverError, total
from detente.bargain.problem import REL_TOL, BargainProblem, BoolArray, FloatArray

#: The loop stops when the upper bound on ``sum log g`` exceeds the best value found by
#: at most this much, i.e. when the best Nash product is within this relative gap.
NASH_GAP = 1e-9
#: Tangent points per party to start from, spread geometrically over its gain range.
INITIAL_TANGENTS = 6
# Relative slack on the derived bounds so that rounding never cuts off a package.
_SLACK = 1e-9


def log_nash(scaled: FloatArray) -> float:
    """``sum log g`` of scaled gains (``-inf`` unless all are strictly positive)."""
    if not np.all(scaled > REL_TOL):
        return -math.inf
    return float(np.sum(np.log(scaled)))


class _OuterApproximation:
    """The cut model, its incumbent and the packages it already models exactly."""

    def __init__(self, model: PackageModel, upper: FloatArray) -> None:
        self.model = model.copy()
        self.problem = model.problem
        self.upper = upper
        self.logs = [self.model.add_columns(1, upper=math.log(high))[0] for high in upper]
        self.best: BoolArray | None = None
        self.best_value = -math.inf
        self.exact: set[bytes] = set()

    def offer(self, package: BoolArray) -> None:
        """Evaluate ``package`` exactly, keep it if best, and cut at its gains."""
        scaled = scaled_gains(self.problem, package)
        value = log_nash(scaled)
        if value > self.best_value:
            self.best, self.best_value = package, value
            self._bound_below()
        positive = scaled > REL_TOL
        for p in np.flatnonzero(positive):
            self._tangent(int(p), float(scaled[p]))
        if positive.all():
            self.exact.add(package.tobytes())

    def spread_tangents(self) -> None:
        """Tangents spread geometrically between the current gain bounds."""
        for p, (low, high) in enumerate(zip(self.lower(), self.upper, strict=True)):
            for point in np.geomspace(min(low, high), high, INITIAL_TANGENTS):
                self._tangent(p, float(point))

    def lower(self) -> FloatArray:
        """Gains any package at least as good as the incumbent must reach."""
        log_upper = np.log(self.upper)
        floor = np.exp(self.best_value - (log_upper.sum() - log_upper))
        lowest: FloatArray = np.maximum(floor * (1.0 - _SLACK), REL_TOL)
        return lowest

    def _bound_below(self) -> None:
        for gain, low in zip(self.model.gains, self.lower(), strict=True):
            self.model.constrain(gain, lower=float(low))

    def _tangent(self, p: int, point: float) -> None:
        gain: Affine = self.model.gains[p]
        self.model.constrain(self.logs[p] - gain * (1.0 / point), upper=math.log(point) - 1.0)


def nash(problem: BargainProblem, deadline: Deadline) -> Found:
    """Package maximising the product of gains, all gains strictly positive."""
    model = PackageModel(problem)
    welfare = model.maximise(total(model.gains), deadline)
    agreement = first_agreement(model, welfare.package, deadline)
    if agreement.status != "optimal" or agreement.package is None:
        return Found(agreement.status, agreement.package)
    upper = _gain_upper_bounds(model, deadline, agreement.package)
    search = _OuterApproximation(model, upper)
    search.offer(agreement.package)
    search.spread_tangents()
    while True:
        result = search.model.maximise(total(search.logs), deadline)
        if result.status == "infeasible":
            raise SolverError("HiGHS found the Nash cut model infeasible; the incumbent meets it")
        package = result.package
        if package is not None:
            seen = package.tobytes() in search.exact
            search.offer(package)
        if result.status == "time_limit" or package is None:
            return Found("time_limit", search.best)
        if seen or result.bound - search.best_value <= NASH_GAP:
            return Found("optimal", search.best)


def _gain_upper_bounds(model: PackageModel, deadline: Deadline, known: BoolArray) -> FloatArray:
    """Upper bound of each scaled gain: LP relaxation, else interval arithmetic.

    Raised to at least the gains of the ``known`` package, against LP round-off.
    """
    _, upper = model.gain_bounds()
    for p, gain in enumerate(model.gains):
        relaxed = model.maximise(gain, deadline, relax=True)
        if relaxed.status == "optimal":
            upper[p] = min(upper[p], relaxed.bound)
    upper = np.maximum(upper, scaled_gains(model.problem, known))
    return upper * (1.0 + _SLACK) + REL_TOL
