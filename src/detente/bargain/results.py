"""Result types: a solved package deal and a Pareto frontier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np

from detente.bargain.problem import BargainProblem, BoolArray, FloatArray, utilities

Concept = Literal["nash", "egalitarian", "utilitarian", "kalai"]
CONCEPTS: tuple[Concept, ...] = ("nash", "egalitarian", "utilitarian", "kalai")

#: ``optimal``: proven optimal. ``time_limit``: the budget ran out; the package, if any,
#: is the best found and is *not* proven optimal. ``no_agreement``: no feasible package
#: gives every party a strictly positive gain. ``solver_error``: HiGHS failed and the
#: problem has too many free slots to enumerate instead; nothing is proven and no
#: package is reported.
SolutionStatus = Literal["optimal", "time_limit", "no_agreement", "solver_error"]

#: ``complete``: every non-dominated utility vector is listed. ``time_limit``: the points
#: listed are proven non-dominated, but others may be missing.
FrontierStatus = Literal["complete", "time_limit"]
FrontierMethod = Literal["enumerate", "milp"]


_ArrayT = TypeVar("_ArrayT", FloatArray, BoolArray)


def _frozen(array: _ArrayT) -> _ArrayT:
    """A read-only copy, so results cannot be changed behind the caller's back."""
    copy = array.copy()
    copy.setflags(write=False)
    return copy


def slot_labels(problem: BargainProblem, package: BoolArray) -> tuple[str, ...]:
    """Labels of the slots in ``package``, in slot order."""
    return tuple(label for label, chosen in zip(problem.slots, package, strict=True) if chosen)


@dataclass(frozen=True, eq=False)
class Solution:
    """A package deal chosen by one solution concept.

    Attributes:
        concept: the solution concept asked for.
        status: see :data:`SolutionStatus`.
        package: ``[K]`` chosen slots, or ``None`` when there is none to report
            (``no_agreement`` for Nash and Kalai-Smorodinsky, ``solver_error``, or a
            time limit hit before any package was found).
        slots: labels of the chosen slots (empty without a package).
        utilities: ``[P]`` utility of each party for the package.
        gains: ``[P]`` utilities minus the disagreement point.
        objective: the concept's value at the package: product of gains (Nash),
            smallest gain (egalitarian), sum of gains (utilitarian), smallest
            ``gain / ideal gain`` ratio (Kalai-Smorodinsky).
        blocking: with ``no_agreement``, the parties that cannot gain from any
            feasible package at all (empty when each could gain, just not together).
        ideal: Kalai-Smorodinsky only: ``[P]`` largest gain of each party over the
            individually rational packages.
        message: one human-readable sentence on the outcome.
    """

    concept: Concept
    status: SolutionStatus
    package: BoolArray | None
    slots: tuple[str, ...]
    utilities: FloatArray | None
    gains: FloatArray | None
    objective: float | None
    blocking: tuple[str, ...]
    ideal: FloatArray | None
    message: str


def objective_value(concept: Concept, gains: FloatArray, ideal: FloatArray | None) -> float | None:
    """The value each concept optimises, in the problem's units."""
    if concept == "nash":
        return float(np.prod(gains))
    if concept == "egalitarian":
        return float(np.min(gains))
    if concept == "utilitarian":
        return float(np.sum(gains))
    return None if ideal is None else float(np.min(gains / ideal))


def make_solution(
    problem: BargainProblem,
    concept: Concept,
    status: SolutionStatus,
    package: BoolArray | None,
    message: str,
    blocking: tuple[str, ...] = (),
    ideal: FloatArray | None = None,
) -> Solution:
    """Evaluate ``package`` exactly and wrap it with the rest of the answer."""
    frozen_ideal = None if ideal is None else _frozen(ideal)
    if package is None:
        return Solution(
            concept, status, None, (), None, None, None, blocking, frozen_ideal, message
        )
    utils = utilities(problem, package)
    gain = utils - problem.disagreement_point
    return Solution(
        concept=concept,
        status=status,
        package=_frozen(package),
        slots=slot_labels(problem, package),
        utilities=_frozen(utils),
        gains=_frozen(gain),
        objective=objective_value(concept, gain, ideal),
        blocking=blocking,
        ideal=frozen_ideal,
        message=message,
    )


@dataclass(frozen=True, eq=False)
class FrontierPoint:
    """One non-dominated utility vector and a package that attains it."""

    package: BoolArray
    slots: tuple[str, ...]
    utilities: FloatArray


@dataclass(frozen=True, eq=False)
class Frontier:
    """The Pareto frontier: one point per distinct non-dominated utility vector.

    Points are ordered by decreasing total utility, then by decreasing utilities in
    party order, so equal inputs give equal outputs.
    """

    parties: tuple[str, ...]
    points: tuple[FrontierPoint, ...]
    status: FrontierStatus
    method: FrontierMethod

    @property
    def utilities(self) -> FloatArray:
        """``[F, P]`` utility vectors of all points."""
        if not self.points:
            return np.zeros((0, len(self.parties)))
        return np.vstack([point.utilities for point in self.points])


def make_frontier(
    problem: BargainProblem,
    packages: BoolArray,
    status: FrontierStatus,
    method: FrontierMethod,
) -> Frontier:
    """Evaluate ``packages`` and order them as :class:`Frontier` promises."""
    utils = utilities(problem, packages.reshape(-1, problem.n_slots))
    order = np.lexsort((*(-utils.T[::-1]), -utils.sum(axis=1)))
    points = tuple(
        FrontierPoint(
            package=_frozen(packages[i]),
            slots=slot_labels(problem, packages[i]),
            utilities=_frozen(utils[i]),
        )
        for i in order
    )
    return Frontier(problem.parties, points, status, method)
