"""Brute force over all ``2**K`` packages: the test oracle and the benchmark baseline.

Each concept is applied straight from its definition to the full table of gains, with
no MILP, no bounds and no cuts, so agreeing with it is evidence about the MILPs. It is
also what :func:`detente.bargain.solve` falls back to, on problems with few free slots,
when HiGHS fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.bargain.enumeration import feasible_packages, nondominated
from detente.bargain.problem import REL_TOL, BargainProblem, BoolArray, FloatArray, gains
from detente.bargain.results import Concept


@dataclass(frozen=True)
class BruteResult:
    """A package chosen by brute force, its gains and the concept's objective value.

    ``ideal`` is Kalai-Smorodinsky's ideal point (in the problem's units), else ``None``.
    """

    package: BoolArray
    gains: FloatArray
    objective: float
    ideal: FloatArray | None = None


def brute_frontier(problem: BargainProblem) -> tuple[BoolArray, FloatArray]:
    """Packages and utility vectors of the Pareto frontier, by full enumeration."""
    packages = feasible_packages(problem)
    utils = gains(problem, packages) + problem.disagreement_point
    kept, _ = nondominated(utils)
    return packages[kept], utils[kept]


def _leximin_index(values: FloatArray) -> int:
    """Row whose ascending-sorted values are lexicographically largest (first of ties)."""
    ascending = np.sort(values, axis=1)
    return int(np.lexsort(tuple(-ascending.T[::-1]))[0])


def brute_solve(problem: BargainProblem, concept: Concept) -> BruteResult | None:
    """The concept's package by enumeration; ``None`` when Nash/Kalai have no agreement.

    The egalitarian result is the leximin package even without an agreement (its
    objective, the smallest gain, then is ``<= 0``), as :func:`solve` reports it.
    """
    packages = feasible_packages(problem)
    table = gains(problem, packages)
    tol = REL_TOL * problem.scale
    agreeing = np.all(table > tol, axis=1)
    if concept == "utilitarian":
        index = int(np.argmax(table.sum(axis=1)))
        return BruteResult(packages[index], table[index], float(table[index].sum()))
    if concept == "egalitarian":
        index = _leximin_index(table)
        return BruteResult(packages[index], table[index], float(table[index].min()))
    if not agreeing.any():
        return None
    if concept == "nash":
        logs = np.full(len(table), -np.inf)
        logs[agreeing] = np.log(table[agreeing]).sum(axis=1)
        index = int(np.argmax(logs))
        return BruteResult(packages[index], table[index], float(np.prod(table[index])))
    rational = np.flatnonzero(np.all(table >= -tol, axis=1))
    ideal = table[rational].max(axis=0)
    ratios = table[rational] / ideal
    index = int(rational[_leximin_index(ratios)])
    return BruteResult(packages[index], table[index], float(np.min(table[index] / ideal)), ideal)


def brute_blocking(problem: BargainProblem) -> tuple[str, ...]:
    """Parties whose largest gain over all feasible packages is at most ``REL_TOL * scale``."""
    best = gains(problem, feasible_packages(problem)).max(axis=0)
    tol = REL_TOL * problem.scale
    return tuple(party for party, top in zip(problem.parties, best, strict=True) if top <= tol)


def brute_extremes(problem: BargainProblem) -> tuple[FloatArray, FloatArray]:
    """``[P]`` largest and ``[P]`` smallest utility of each party over the feasible packages."""
    table = gains(problem, feasible_packages(problem)) + problem.disagreement_point
    return table.max(axis=0), table.min(axis=0)
