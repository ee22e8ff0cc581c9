"""``solve``: one entry point for the four solution concepts."""

from __future__ import annotations

from collections.abc import Callable

from detente.bargain.concepts import Found, blocking_parties, egalitarian, kalai, utilitarian
from detente.bargain.errors import InvalidInputError
from detente.bargain.milp import Deadline
from detente.bargain.nash import nash
from detente.bargain.problem import BargainProblem
from detente.bargain.results import CONCEPTS, Concept, Solution, make_solution

_SEARCHES: dict[Concept, Callable[[BargainProblem, Deadline], Found]] = {
    "nash": nash,
    "egalitarian": egalitarian,
    "utilitarian": utilitarian,
    "kalai": kalai,
}


def solve(problem: BargainProblem, solution: Concept, time_limit: float | None = None) -> Solution:
    """The package a solution concept picks, solved exactly with HiGHS.

    Args:
        problem: the bargaining problem.
        solution: ``"nash"`` (maximise the product of gains, all strictly positive),
            ``"egalitarian"`` (leximin over gains), ``"utilitarian"`` (maximise the sum
            of gains) or ``"kalai"`` (Kalai-Smorodinsky: leximin over gains relative to
            each party's ideal gain over individually rational packages).
        time_limit: wall-clock seconds for the whole call; ``None`` for no limit. When
            it runs out the status is ``time_limit`` and the package is the best found.

    Every answer is Pareto-efficient when proven; gains within ``REL_TOL * scale`` of
    zero count as zero (see :data:`detente.bargain.problem.REL_TOL`).

    Raises:
        InvalidInputError: unknown ``solution`` or a bad ``time_limit``.
    """
    if solution not in _SEARCHES:
        raise InvalidInputError(
            f"unknown solution {solution!r}; expected one of {', '.join(CONCEPTS)}"
        )
    deadline = Deadline(time_limit)
    found = _SEARCHES[solution](problem, deadline)
    blocking: tuple[str, ...] = ()
    if found.status == "no_agreement":
        blocking = blocking_parties(problem, deadline)
    message = _message(solution, found, blocking, time_limit)
    return make_solution(
        problem, solution, found.status, found.package, message, blocking, found.ideal
    )


def _message(
    concept: Concept, found: Found, blocking: tuple[str, ...], time_limit: float | None
) -> str:
    if found.status == "optimal":
        return f"proven optimal {concept} package"
    if found.status == "time_limit":
        known = (
            "best package found so far, not proven optimal"
            if found.package is not None
            else "no package found yet"
        )
        return f"time limit of {time_limit} s reached: {known}"
    if blocking:
        why = f"{', '.join(blocking)} cannot gain from any feasible package"
    else:
        why = "each party can gain from some package, but none makes all gain at once"
    shown = "; the leximin package is shown" if found.package is not None else ""
    return f"no agreement: {why}{shown}"
