"""Utilitarian, egalitarian (leximin) and Kalai-Smorodinsky packages as exact MILPs.

Leximin (lexicographic max-min) follows Ogryczak & Śliwiński, "On solving linear
programs with the ordered weighted averaging objective" (EJOR 148, 2003): the sum of
the ``k`` smallest of values ``e_1..e_P`` equals ``max_t  k t - sum_p max(0, t - e_p)``,
an LP in ``t`` and ``d_p >= t - e_p, d_p >= 0``. Maximising these sums for
``k = 1..P`` in turn, each optimum kept as a constraint, yields the leximin optimum; the
last stage maximises the total, so the result is Pareto-efficient.

No model here carries a row parallel to its own objective (an "at least as good as
this known package" floor): with the thin margin such a row must have, HiGHS 1.12
returned non-optimal packages as optimal, reported feasible stages infeasible and
crashed (``vector::reserve``, "Solve error"), with presolve and without it. A stage's
optimum is kept as a row on *that* stage's objective for the later stages, at its
exact value at the stage's package. Whenever HiGHS contradicts a package known to be
feasible it raises :class:`~detente.bargain.milp.SolverError` rather than report it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from detente.bargain.milp import Affine, Deadline, PackageModel, SolverError, total
from detente.bargain.problem import REL_TOL, BargainProblem, BoolArray, FloatArray, gains

FoundStatus = Literal["optimal", "time_limit", "no_agreement", "solver_error"]

#: Gain every party must reach in the MILPs that look for an agreement (scaled units):
#: twice ``REL_TOL``, so that solver tolerances (1e-9 per row and per integer column)
#: cannot let through a package whose exact gains are not above ``REL_TOL``.
POSITIVE = 2.0 * REL_TOL
#: How much a later leximin stage may give up of an earlier stage's optimum: enough to
#: keep that optimum feasible against round-off, far below any tie ``REL_TOL`` allows.
STAGE_SLACK = 1e-9


@dataclass(frozen=True)
class Found:
    """What a concept's search established: a status, a package, maybe an ideal point."""

    status: FoundStatus
    package: BoolArray | None
    ideal: FloatArray | None = None


def scaled_gains(problem: BargainProblem, package: BoolArray) -> FloatArray:
    """Exact gains of ``package`` in the MILPs' units (divided by ``problem.scale``)."""
    return gains(problem, package) / problem.scale


def is_agreement(problem: BargainProblem, package: BoolArray) -> bool:
    """Whether ``package`` gives every party a gain above ``REL_TOL * scale``."""
    return bool(np.all(scaled_gains(problem, package) > REL_TOL))


@dataclass(frozen=True)
class Leximin:
    """Result of :func:`leximin`: proven (``optimal``) or cut short (``time_limit``)."""

    status: Literal["optimal", "time_limit"]
    package: BoolArray | None


def _at_least(model: PackageModel, objective: Affine, value: float) -> None:
    """Constrain ``objective >= value`` up to :data:`STAGE_SLACK` (relative above 1)."""
    model.constrain(objective, lower=value - STAGE_SLACK * max(1.0, abs(value)))


def smallest_sum(model: PackageModel, values: list[Affine], package: BoolArray, k: int) -> float:
    """Sum of the ``k`` smallest ``values`` at ``package``, evaluated from the package."""
    columns = model.base_columns(package)
    return float(sum(sorted(v.value(columns) for v in values)[:k]))


def leximin(
    model: PackageModel, values: list[Affine], deadline: Deadline, start: BoolArray | None
) -> Leximin:
    """Lexicographically maximise the sorted ``values`` over ``model`` (not modified).

    ``start`` is a feasible package, returned on a time limit if no stage finished;
    otherwise a time limit returns the best package found so far.

    Each stage's optimum is kept for the later stages as "objective >= its value at the
    stage's package" (minus :data:`STAGE_SLACK`), the value recomputed from the package
    rather than read off HiGHS's continuous columns, which may overstate it within the
    feasibility tolerance and make the next stage infeasible. The package then meets
    every kept row with a margin of the slack, so an infeasible stage is a solver error.

    Raises:
        SolverError: HiGHS failed or called a stage infeasible.
    """
    model = model.copy()
    n_values = len(values)
    package = start
    for k in range(1, n_values + 1):
        if k == n_values:
            objective = total(values)
        else:
            (level,) = model.add_columns(1)
            excess = model.add_columns(n_values, lower=0.0)
            for value, over in zip(values, excess, strict=True):
                model.constrain(over - level + value, lower=0.0)
            objective = k * level - total(excess)
        result = model.maximise(objective, deadline)
        if result.status == "infeasible":
            raise SolverError(
                f"HiGHS found leximin stage {k} infeasible, though the previous stage's "
                "package meets all its rows"
            )
        if result.status == "time_limit" or result.package is None:
            return Leximin("time_limit", package if result.package is None else result.package)
        package = result.package
        _at_least(model, objective, smallest_sum(model, values, package, k))
    return Leximin("optimal", package)


def utilitarian(problem: BargainProblem, deadline: Deadline) -> Found:
    """Maximise the sum of gains (Pareto-efficient: every weight is positive)."""
    model = PackageModel(problem)
    result = model.maximise(total(model.gains), deadline)
    if result.status == "infeasible":
        raise SolverError("HiGHS found no feasible package, though the required slots are one")
    return Found(result.status, result.package)


def first_agreement(model: PackageModel, start: BoolArray | None, deadline: Deadline) -> Found:
    """A package giving every party a strictly positive gain, or proof there is none.

    ``start`` (a package already known, typically the utilitarian one) is returned if
    it qualifies; otherwise the largest total gain among packages with every gain at
    least :data:`POSITIVE` is sought: ``no_agreement`` when there is none.
    """
    problem = model.problem
    if start is not None and is_agreement(problem, start):
        return Found("optimal", start)
    rational = model.copy()
    for gain in rational.gains:
        rational.constrain(gain, lower=POSITIVE)
    result = rational.maximise(total(rational.gains), deadline)
    if result.status == "infeasible":
        return Found("no_agreement", None)
    if result.package is not None and is_agreement(problem, result.package):
        return Found(result.status, result.package)
    if result.status == "optimal":
        raise SolverError("HiGHS returned a package without a strictly positive gain for all")
    return Found("time_limit", None)


def egalitarian(problem: BargainProblem, deadline: Deadline) -> Found:
    """Leximin package over the gains; ``no_agreement`` when its smallest gain is <= 0."""
    model = PackageModel(problem)
    welfare = model.maximise(total(model.gains), deadline)
    result = leximin(model, model.gains, deadline, welfare.package)
    if result.status == "time_limit" or result.package is None:
        return Found("time_limit", result.package)
    agreed = is_agreement(problem, result.package)
    return Found("optimal" if agreed else "no_agreement", result.package)


def kalai(problem: BargainProblem, deadline: Deadline) -> Found:
    """Kalai-Smorodinsky: leximin of the gains relative to the ideal gains.

    The ideal gain ``I_p`` of party ``p`` is its largest gain over the individually
    rational packages (every gain ``>= 0``). The package maximises
    ``lambda = min_p g_p / I_p`` and, among those, the next smallest ratios in turn: the
    lexicographic maxmin of the normalised gains (Imai, "Individual monotonicity and
    lexicographic maxmin solution", Econometrica 51, 1983), which is Pareto-efficient
    and picks one package where plain max-``lambda`` ties.

    negmas's ``ks_points`` differs in the discrete setting: it picks the frontier point
    whose ratios ``(u - d) / (max u - d)`` have the smallest spread ``max - min``
    (closest to the KS ray), with ``max u`` over *all* outcomes rather than the
    individually rational ones. Both pick the point where the frontier crosses the ray
    when it does; ``tests/bargain/test_bargain_negmas.py`` checks each answer is optimal
    for its own definition against the other.
    """
    rational = PackageModel(problem)
    agreement = first_agreement(rational, None, deadline)
    if agreement.status != "optimal":
        return Found(agreement.status, None)
    for gain in rational.gains:
        rational.constrain(gain, lower=-REL_TOL)
    ideal = np.empty(problem.n_parties)
    for p, gain in enumerate(rational.gains):
        best = rational.maximise(gain, deadline)
        if best.status == "infeasible":
            raise SolverError("HiGHS found no individually rational package, though one agrees")
        if best.status != "optimal" or best.package is None:
            return Found("time_limit", None)
        ideal[p] = scaled_gains(problem, best.package)[p]
    ratios = [gain * (1.0 / ideal[p]) for p, gain in enumerate(rational.gains)]
    result = leximin(rational, ratios, deadline, agreement.package)
    return Found(result.status, result.package, ideal * problem.scale)


def blocking_parties(problem: BargainProblem, deadline: Deadline) -> tuple[str, ...]:
    """Parties whose largest gain over all feasible packages is at most zero.

    Parties whose maximisation hits the time limit are left out: not proven blocking.
    """
    model = PackageModel(problem)
    blocking = []
    for p, gain in enumerate(model.gains):
        best = model.maximise(gain, deadline)
        if best.status != "optimal" or best.package is None:
            continue
        if scaled_gains(problem, best.package)[p] <= REL_TOL:
            blocking.append(problem.parties[p])
    return tuple(blocking)
