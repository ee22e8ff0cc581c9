"""Interpersonal comparisons: which concepts make them, and ``--normalise``.

Nash and Kalai-Smorodinsky pick the same packages when one party's utilities (and its
disagreement value) are multiplied by a positive number: the Nash product is multiplied
by it, Kalai-Smorodinsky's ratios to the ideal gains do not change. Egalitarian (the
smallest gain) and utilitarian (the sum of gains) add or compare one party's units with
another's, which means something only if utilities are comparable across parties; a
scenario's utilities usually are comparable within a party only.

``normalise`` divides each party's utilities and disagreement value by its *range*, its
best minus its worst utility over the feasible packages (relative utilitarianism,
Dhillon and Mertens, Econometrica 67, 1999), so that every party's gains run over at
most one unit. The range is chosen over the ideal gain because it exists whatever the
disagreement point: a party may have no package better than disagreeing, and its
gains stay comparable then. Multiplying a party's utilities and disagreement value by a
positive number multiplies its range by the same number, so the normalised problem, and
with it every concept's package, is unchanged (exactly so for powers of two, which
floating point multiplies without rounding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from detente.bargain.brute import brute_extremes
from detente.bargain.enumeration import n_choices
from detente.bargain.errors import BargainError
from detente.bargain.milp import Deadline, PackageModel, SolverError
from detente.bargain.problem import REL_TOL, BargainProblem, FloatArray, utilities
from detente.bargain.results import Concept
from detente.bargain.solve import ENUMERATION_FALLBACK_SLOTS

#: The concepts whose package depends on how one party's utility units compare with
#: another's.
COMPARES_ACROSS_PARTIES: frozenset[Concept] = frozenset({"egalitarian", "utilitarian"})


def comparison_warning(concepts: Iterable[Concept], normalised: bool) -> str | None:
    """The warning to print for ``concepts`` (None when no concept compares or normalised)."""
    comparing = [c for c in concepts if c in COMPARES_ACROSS_PARTIES]
    if normalised or not comparing:
        return None
    return (
        f"{' and '.join(comparing)} compare{'s' if len(comparing) == 1 else ''} utilities "
        "across parties, which the scenario's utilities may not support (they are usually "
        "comparable within a party only); --normalise rescales each party's gains by its "
        "range over the feasible packages"
    )


@dataclass(frozen=True, eq=False)
class Normalised:
    """A problem rescaled party by party, and the divisor of each party's utilities."""

    problem: BargainProblem
    ranges: FloatArray


def utility_ranges(problem: BargainProblem) -> FloatArray:
    """``[P]``: each party's best minus worst utility over the feasible packages.

    Found exactly with HiGHS and evaluated from the packages; by enumeration when HiGHS
    fails on a problem with few choices.

    Raises:
        BargainError: HiGHS failed on a problem too large to enumerate.
    """
    try:
        return _ranges_by_milp(problem)
    except SolverError as error:
        if n_choices(problem) > ENUMERATION_FALLBACK_SLOTS:
            raise BargainError(f"cannot normalise: {error}") from error
        high, low = brute_extremes(problem)
        ranges: FloatArray = high - low
        return ranges


def _ranges_by_milp(problem: BargainProblem) -> FloatArray:
    model = PackageModel(problem)
    deadline = Deadline(None)
    ranges = np.empty(problem.n_parties)
    for p, gain in enumerate(model.gains):
        extremes = []
        for sign in (1.0, -1.0):
            result = model.maximise(gain * sign, deadline)
            if result.status != "optimal" or result.package is None:
                raise SolverError(f"HiGHS did not prove party {problem.parties[p]}'s extreme")
            extremes.append(float(utilities(problem, result.package)[p]))
        ranges[p] = extremes[0] - extremes[1]
    return ranges


def party_scales(problem: BargainProblem) -> FloatArray:
    """``[P]``: each party's largest magnitude among its base, disagreement value and
    coefficients (1 if all are 0).

    It scales with the party's units, so a tolerance relative to it means the same in any.
    """
    terms = np.vstack(
        [problem.base, problem.disagreement_point, problem.linear, problem.pair_terms[2]]
    )
    largest = np.abs(terms).max(axis=0)
    scales: FloatArray = np.where(largest > 0.0, largest, 1.0)
    return scales


def normalise(problem: BargainProblem) -> Normalised:
    """``problem`` with each party's utilities and disagreement value over its range.

    A party whose range is within ``REL_TOL`` of zero, relative to its largest
    coefficient, is divided by :func:`party_scales` instead (its gain is the same
    for every package, and stays so), which keeps the result free of its units too.
    """
    ranges = utility_ranges(problem)
    terms = np.vstack([problem.linear, problem.pair_terms[2]])
    coefficients = np.abs(terms).max(axis=0, initial=0.0)
    divisors = np.where(ranges > REL_TOL * coefficients, ranges, party_scales(problem))
    rescaled = replace(
        problem,
        base=problem.base / divisors,
        linear=problem.linear / divisors,
        pairwise=tuple((k, m, values / divisors) for k, m, values in problem.pairwise),
        disagreement=problem.disagreement_point / divisors,
    )
    return Normalised(rescaled, divisors)
