"""``solve``: one entry point for the four solution concepts."""

from __future__ import annotations

from collections.abc import Callable

from detente.bargain.brute import brute_blocking, brute_solve
from detente.bargain.concepts import (
    Found,
    blocking_parties,
    egalitarian,
    is_agreement,
    kalai,
    utilitarian,
)
from detente.bargain.enumeration import n_choices
from detente.bargain.errors import InvalidInputError
from detente.bargain.milp import Deadline, SolverError
from detente.bargain.nash import nash
from detente.bargain.problem import BargainProblem
from detente.bargain.results import CONCEPTS, Concept, Solution, make_solution

_SEARCHES: dict[Concept, Callable[[BargainProblem, Deadline], Found]] = {
    "nash": nash,
    "egalitarian": egalitarian,
    "utilitarian": utilitarian,
    "kalai": kalai,
}

#: When HiGHS fails (:class:`~detente.bargain.milp.SolverError`), a problem with at most
#: this many choices (free slots and deals) is solved again by enumerating all its
#: packages, which is exact and takes about a second at ``2**20``; a larger one gets the
#: status ``solver_error``.
ENUMERATION_FALLBACK_SLOTS = 20


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
    zero count as zero (see :data:`detente.bargain.problem.REL_TOL`). If HiGHS fails,
    or contradicts a package known to be feasible, nothing it found is used: a problem
    with at most :data:`ENUMERATION_FALLBACK_SLOTS` choices is solved by enumeration
    instead (the message says so), a larger one gets the status ``solver_error``.

    Raises:
        InvalidInputError: unknown ``solution`` or a bad ``time_limit``.
    """
    if solution not in _SEARCHES:
        raise InvalidInputError(
            f"unknown solution {solution!r}; expected one of {', '.join(CONCEPTS)}"
        )
    deadline = Deadline(time_limit)
    try:
        found = _SEARCHES[solution](problem, deadline)
        blocking: tuple[str, ...] = ()
        if found.status == "no_agreement":
            blocking = blocking_parties(problem, deadline)
        message = _message(solution, found, blocking, time_limit)
    except SolverError as error:
        found, blocking, message = _without_highs(problem, solution, error, time_limit)
    return make_solution(
        problem, solution, found.status, found.package, message, blocking, found.ideal
    )


def _without_highs(
    problem: BargainProblem, concept: Concept, error: SolverError, time_limit: float | None
) -> tuple[Found, tuple[str, ...], str]:
    """The answer by enumeration after HiGHS failed, or ``solver_error`` if too large."""
    n_free = n_choices(problem)
    if n_free > ENUMERATION_FALLBACK_SLOTS:
        message = (
            f"{error}; with {n_free} choices (free slots and deals) the problem is too large "
            f"to enumerate instead (at most {ENUMERATION_FALLBACK_SLOTS}): no package is "
            "proven optimal"
        )
        return Found("solver_error", None), (), message
    best = brute_solve(problem, concept)
    if best is None:
        found = Found("no_agreement", None)
    else:
        agreed = concept == "utilitarian" or is_agreement(problem, best.package)
        found = Found("optimal" if agreed else "no_agreement", best.package, best.ideal)
    blocking = brute_blocking(problem) if found.status == "no_agreement" else ()
    message = _message(concept, found, blocking, time_limit)
    return found, blocking, f"{message} (by enumerating all 2**{n_free} choices: {error})"


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
