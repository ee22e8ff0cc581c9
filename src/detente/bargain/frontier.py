"""The exact Pareto frontier of a bargaining problem.

Two exact methods:

* ``enumerate``: evaluate every feasible package and keep the non-dominated utility
  vectors (:func:`detente.bargain.enumeration.nondominated`); one package per vector,
  the lexicographically smallest. Fast while the choices (free slots, deals) are few.
* ``milp``: the method of Sylva & Crema, "A method for finding the set of
  non-dominated vectors for multiple objective integer linear programs" (EJOR 158,
  2004): maximise the sum of gains over the packages not weakly dominated by any point
  found so far; the optimum is a new non-dominated point (anything dominating it would
  also be in that region, with a larger sum), and the region is empty once all are
  found. "Not weakly dominated by ``u``" is a disjunction over parties, modelled with
  one binary per party and point: ``g_p >= u_p + eps_p`` when it is 1, where ``eps_p``
  is :data:`~detente.bargain.problem.REL_TOL` times the larger of the problem's scale
  and party ``p``'s utility range (smaller differences count as ties; the margin keeps
  HiGHS's integrality tolerance from letting a point through twice). Its cost does not grow
  with ``2**K`` but grows steeply with the size of the frontier (every point adds
  ``P`` binaries to all later MILPs): it is meant for many slots and small frontiers,
  such as two or three parties or tightly constrained problems.

If HiGHS fails (:class:`~detente.bargain.milp.SolverError`), ``milp`` hands over to
``enumerate`` when at most :data:`~detente.bargain.enumeration.MAX_CHOICES` choices are
left (the frontier's ``method`` then says ``enumerate``), and the error propagates
otherwise: no point of a failed solve is ever reported.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from detente.bargain.concepts import scaled_gains
from detente.bargain.enumeration import (
    MAX_CHOICES,
    feasible_packages,
    n_choices,
    nondominated,
)
from detente.bargain.errors import FrontierTooLargeError, InvalidInputError
from detente.bargain.milp import Deadline, PackageModel, SolverError, total
from detente.bargain.problem import REL_TOL, BargainProblem, BoolArray, FloatArray, utilities
from detente.bargain.results import Frontier, FrontierStatus, make_frontier

#: ``method="auto"`` enumerates up to this many choices (free slots and deals), else MILP.
AUTO_ENUMERATION_SLOTS = 20


def pareto_frontier(
    problem: BargainProblem,
    max_size: int = 10_000,
    time_limit: float | None = None,
    method: Literal["auto", "enumerate", "milp"] = "auto",
) -> Frontier:
    """All non-dominated utility vectors over the feasible packages, one package each.

    Args:
        problem: the bargaining problem.
        max_size: most points to return; a larger frontier raises
            :class:`FrontierTooLargeError` rather than running on.
        time_limit: wall-clock seconds; when they run out, the frontier's status is
            ``time_limit`` and its points are proven non-dominated but maybe not all.
        method: ``enumerate``, ``milp``, or ``auto`` (enumerate up to
            :data:`AUTO_ENUMERATION_SLOTS` choices).

    Raises:
        FrontierTooLargeError: more than ``max_size`` points.
        InvalidInputError: bad ``max_size``, ``time_limit`` or ``method``.
        SolverError: HiGHS failed on a problem too large to enumerate instead.
    """
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise InvalidInputError(f"max_size is {max_size!r}; expected a positive integer")
    if method not in ("auto", "enumerate", "milp"):
        raise InvalidInputError(f"unknown method {method!r}; expected one of auto, enumerate, milp")
    deadline = Deadline(time_limit)
    if method == "auto":
        few = n_choices(problem) <= AUTO_ENUMERATION_SLOTS
        method = "enumerate" if few else "milp"
    if method == "milp":
        try:
            packages, status = _by_milp(problem, max_size, deadline)
        except SolverError:
            if n_choices(problem) > MAX_CHOICES:
                raise
            method = "enumerate"
    if method == "enumerate":
        packages, status = _by_enumeration(problem, max_size, deadline)
    return make_frontier(problem, packages, status, method)


def _too_large(max_size: int) -> FrontierTooLargeError:
    return FrontierTooLargeError(
        f"the Pareto frontier has more than max_size={max_size} points; pass a larger "
        "max_size to pareto_frontier() to list them all, or narrow the problem with "
        "required, forbidden or conflicting slots"
    )


def _by_enumeration(
    problem: BargainProblem, max_size: int, deadline: Deadline
) -> tuple[BoolArray, FrontierStatus]:
    packages = feasible_packages(problem)
    kept, complete = nondominated(utilities(problem, packages), deadline, limit=max_size)
    if len(kept) > max_size:
        raise _too_large(max_size)
    return packages[kept], "complete" if complete else "time_limit"


def _by_milp(
    problem: BargainProblem, max_size: int, deadline: Deadline
) -> tuple[BoolArray, FrontierStatus]:
    model = PackageModel(problem)
    low, high = model.gain_bounds()
    eps = REL_TOL * np.maximum(1.0, high - low)
    objective = total(model.gains)
    found: list[BoolArray] = []
    points: list[FloatArray] = []
    while True:
        result = model.maximise(objective, deadline)
        if result.status == "infeasible":
            break
        if result.status == "time_limit" or result.package is None:
            return _stack(found, problem), "time_limit"
        found.append(result.package)
        if len(found) > max_size:
            raise _too_large(max_size)
        point = scaled_gains(problem, result.package)
        if any(np.all(point <= seen + eps) for seen in points):
            raise SolverError("HiGHS returned a package already covered by the frontier")
        points.append(point)
        targets = point + eps
        open_parties = np.flatnonzero(targets <= high)
        if not len(open_parties):
            break
        switches = model.add_columns(len(open_parties), 0.0, 1.0, integer=True)
        for p, switch in zip(open_parties, switches, strict=True):
            margin = float(targets[p] - low[p])
            model.constrain(model.gains[p] - switch * margin, lower=float(low[p]))
        model.constrain(total(switches), lower=1.0)
    return _stack(found, problem), "complete"


def _stack(packages: list[BoolArray], problem: BargainProblem) -> BoolArray:
    return np.array(packages, dtype=np.bool_).reshape(len(packages), problem.n_slots)
