"""Mixed-integer models over packages, solved with HiGHS through :func:`scipy.optimize.milp`.

Columns ``0..K-1`` are the binary slot variables ``x``; columns ``K..K+M-1`` are the
products ``y = x_k x_l`` of the ``M`` distinct slot pairs with a pairwise term, linearised
exactly by ``y <= x_k``, ``y <= x_l``, ``y >= x_k + x_l - 1`` (``y`` may stay continuous
in ``[0, 1]``: binary ``x`` force it to 0 or 1). Columns ``K+M..K+M+D-1`` are one binary
``z_d`` per deal: a chosen deal brings all its slots (``x_k >= z_d``) and a bound slot
needs a chosen deal that contains it (``x_k <= sum_(d contains k) z_d``); a package
encodes with ``z_d = 1`` exactly for the deals whole in it. Solution concepts add their
own columns and rows on top and always *maximise* an affine objective.

Gains enter the models divided by :attr:`BargainProblem.scale`, so the absolute
tolerances below mean the same for any unit of utility. HiGHS is asked for a zero
relative *and* absolute MIP gap, a MIP feasibility tolerance of 1e-8 and an LP one of
1e-9: its defaults (gap 1e-4 relative, tolerances 1e-6/1e-7) would let near-ties decide
the answer, and at 1e-6 the integrality slack of a big-M row can exceed the margins the
frontier relies on. The MIP tolerance must stay above HiGHS's zero for matrix values
and bound changes (``small_matrix_value``, 1e-9), though: HiGHS also solves its LP
relaxations to a dual tolerance of a tenth of it, and at 1e-9 (HiGHS 1.12, as bundled
with SciPy 1.17) it returned non-optimal solutions with a zero gap and called feasible
models infeasible (a frontier step on five slots and three parties found a total gain
of 0.25 where 0.375 was available, and the frontier stopped with four points
missing); 1e-10 was worse.

HiGHS's MIP presolve is off: on these models it returned non-optimal packages with a
zero gap (at either tolerance, an egalitarian first stage on two parties and nine
slots, with no row beyond the model's own, found a smallest gain of 1 where 1.75 is
attainable; Kalai stages 0.44 for 0.5), and made solves fail with "Solve error" or a
C++ ``vector::reserve`` exception. The models are small and dense, so presolve removes
little from them. ``tests/bargain/test_bargain_regressions.py`` holds these cases.
Whatever HiGHS still gets wrong in a way that can be detected (an error, or
"infeasible" where a known package is feasible) raises :class:`SolverError`, never an
answer. HiGHS sometimes prints a debug line
(``HighsMipSolverData::transformNewIntegerFeasibleSolution ...``) with C ``printf``,
straight to file descriptor 1, which would corrupt machine-readable CLI output; so
descriptor 1 points at stderr while HiGHS runs (Python's own ``sys.stdout`` is flushed
first; output of other threads during a solve goes to stderr too). ``milp`` accepts
only a few option names and passes the others to HiGHS verbatim with a
``RuntimeWarning``, which is silenced here for exactly those names.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from detente.bargain.errors import InvalidInputError
from detente.bargain.problem import BargainProblem, BoolArray, FloatArray, IntArray, deals_in

MilpStatus = Literal["optimal", "time_limit", "infeasible"]

HIGHS_OPTIONS: dict[str, float | bool] = {
    "presolve": False,
    "mip_rel_gap": 0.0,
    "mip_abs_gap": 0.0,
    "mip_feasibility_tolerance": 1e-8,
    "primal_feasibility_tolerance": 1e-9,
}
_VERBATIM_WARNING = "Unrecognized options detected"


@contextmanager
def _c_stdout_to_stderr() -> Iterator[None]:
    """Send what C code writes to file descriptor 1 to descriptor 2 meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class SolverError(RuntimeError):
    """HiGHS failed, or answered something that contradicts a known feasible package.

    Raised instead of returning anything from that solve: callers either fall back to
    an exact method (:func:`detente.bargain.solve` enumerates small problems) or say
    that nothing is proven.
    """


class Deadline:
    """Wall-clock budget shared by all the MILPs of one public call."""

    def __init__(self, seconds: float | None) -> None:
        if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
            raise InvalidInputError(
                f"time_limit is {seconds!r}; expected a positive number of seconds or None"
            )
        self._end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left (never negative), or ``None`` when there is no limit."""
        return None if self._end is None else max(0.0, self._end - time.monotonic())

    @property
    def expired(self) -> bool:
        """Whether the budget is used up."""
        left = self.remaining()
        return left is not None and left <= 0.0


@dataclass(frozen=True)
class Affine:
    """Affine expression ``sum(vals * column[cols]) + const`` over model columns.

    Repeated columns add up (the sparse assembly sums duplicates), which keeps the
    arithmetic below a matter of concatenation.
    """

    cols: IntArray
    vals: FloatArray
    const: float = 0.0

    def __add__(self, other: Affine | float) -> Affine:
        if isinstance(other, Affine):
            return Affine(
                np.concatenate([self.cols, other.cols]),
                np.concatenate([self.vals, other.vals]),
                self.const + other.const,
            )
        return Affine(self.cols, self.vals, self.const + other)

    def __mul__(self, factor: float) -> Affine:
        return Affine(self.cols, self.vals * factor, self.const * factor)

    def __rmul__(self, factor: float) -> Affine:
        return self * factor

    def __neg__(self) -> Affine:
        return self * -1.0

    def __sub__(self, other: Affine | float) -> Affine:
        return self + (-other)

    def value(self, columns: FloatArray) -> float:
        """Value of the expression at the column values ``columns``."""
        return float(self.vals @ columns[self.cols]) + self.const


def total(terms: list[Affine]) -> Affine:
    """Sum of expressions (an empty list sums to zero)."""
    if not terms:
        return Affine(np.zeros(0, dtype=np.intp), np.zeros(0))
    return Affine(
        np.concatenate([t.cols for t in terms]),
        np.concatenate([t.vals for t in terms]),
        sum(t.const for t in terms),
    )


@dataclass(frozen=True)
class MilpResult:
    """Outcome of one maximisation.

    Attributes:
        status: ``optimal`` (proven, zero gap), ``time_limit`` (``columns`` is the best
            found, if any, and not proven) or ``infeasible``.
        columns: value of every column, or ``None`` when no solution is known.
        objective: objective value at ``columns``.
        bound: proven upper bound on the maximum (``inf`` if none is known).
        n_slots: number of slot columns, to read the package off ``columns``.
    """

    status: MilpStatus
    columns: FloatArray | None
    objective: float | None
    bound: float
    n_slots: int

    @property
    def package(self) -> BoolArray | None:
        """The package (slot columns rounded to 0/1), if a solution is known."""
        if self.columns is None:
            return None
        return np.asarray(self.columns[: self.n_slots] > 0.5)


class PackageModel:
    """A MILP whose first columns encode a feasible package of ``problem``."""

    def __init__(self, problem: BargainProblem) -> None:
        self.problem = problem
        n_slots = problem.n_slots
        firsts, seconds, pair_values = problem.pair_terms
        n_pairs = len(firsts)
        n_deals = len(problem.deals)
        self.n_slots = n_slots
        self.n_base = n_slots + n_pairs + n_deals
        lower = np.zeros(self.n_base)
        upper = np.ones(self.n_base)
        lower[list(problem.required)] = 1.0
        upper[list(problem.forbidden)] = 0.0
        self._lower: list[FloatArray] = [lower]
        self._upper: list[FloatArray] = [upper]
        self._integer: list[FloatArray] = [
            np.concatenate([np.ones(n_slots), np.zeros(n_pairs), np.ones(n_deals)])
        ]
        self._n_cols = self.n_base
        self._row_ids: list[IntArray] = []
        self._row_cols: list[IntArray] = []
        self._row_vals: list[FloatArray] = []
        self._row_lower: list[float] = []
        self._row_upper: list[float] = []
        for m, (a, b) in enumerate(zip(firsts, seconds, strict=True)):
            y, xa, xb = self.column(n_slots + m), self.column(int(a)), self.column(int(b))
            self.constrain(y - xa, upper=0.0)
            self.constrain(y - xb, upper=0.0)
            self.constrain(y - xa - xb, lower=-1.0)
        for a, b in sorted({(min(a, b), max(a, b)) for a, b in problem.conflicts}):
            self.constrain(self.column(a) + self.column(b), upper=1.0)
        self._constrain_deals()
        coefficients = (
            np.vstack([problem.linear, pair_values, np.zeros((n_deals, problem.n_parties))])
            / problem.scale
        )
        self._gain_coefficients = coefficients.T.copy()
        self._gain_offsets = (problem.base - problem.disagreement_point) / problem.scale
        base_cols = np.arange(self.n_base, dtype=np.intp)
        self.gains = [
            Affine(base_cols, self._gain_coefficients[p], float(self._gain_offsets[p]))
            for p in range(problem.n_parties)
        ]

    def _constrain_deals(self) -> None:
        """Deals whole or not at all; bound slots only with a deal that contains them."""
        first = self.n_base - len(self.problem.deals)
        matrix = self.problem.deal_matrix
        for d, members in enumerate(matrix):
            for member in np.flatnonzero(members):
                self.constrain(self.column(int(member)) - self.column(first + d), lower=0.0)
        for k in self.problem.bound:
            carriers = [self.column(first + int(d)) for d in np.flatnonzero(matrix[:, k])]
            self.constrain(self.column(k) - total(carriers), upper=0.0)

    def copy(self) -> PackageModel:
        """An independent copy, so a model can be extended in different directions."""
        clone = object.__new__(PackageModel)
        clone.__dict__.update(self.__dict__)
        for name in ("_lower", "_upper", "_integer", "_row_ids", "_row_cols", "_row_vals"):
            setattr(clone, name, list(getattr(self, name)))
        clone._row_lower = list(self._row_lower)
        clone._row_upper = list(self._row_upper)
        return clone

    def base_columns(self, package: BoolArray) -> FloatArray:
        """Values of the slot and pair columns that encode ``package``."""
        firsts, seconds, _ = self.problem.pair_terms
        x = package.astype(np.float64)
        whole = deals_in(self.problem, package).astype(np.float64)
        return np.concatenate([x, x[firsts] * x[seconds], whole])

    def column(self, index: int) -> Affine:
        """The expression made of column ``index`` alone."""
        return Affine(np.array([index], dtype=np.intp), np.ones(1))

    def add_columns(
        self, count: int, lower: float = -np.inf, upper: float = np.inf, integer: bool = False
    ) -> list[Affine]:
        """Append ``count`` columns with the given bounds and return them as expressions."""
        self._lower.append(np.full(count, lower))
        self._upper.append(np.full(count, upper))
        self._integer.append(np.full(count, 1.0 if integer else 0.0))
        first = self._n_cols
        self._n_cols += count
        return [self.column(first + i) for i in range(count)]

    def constrain(self, expr: Affine, lower: float = -np.inf, upper: float = np.inf) -> None:
        """Add the row ``lower <= expr <= upper``."""
        self._row_ids.append(np.full(len(expr.cols), len(self._row_lower), dtype=np.intp))
        self._row_cols.append(expr.cols)
        self._row_vals.append(expr.vals)
        self._row_lower.append(lower - expr.const)
        self._row_upper.append(upper - expr.const)

    def gain_bounds(self) -> tuple[FloatArray, FloatArray]:
        """Valid lower and upper bounds of every (scaled) gain, by interval arithmetic."""
        firsts, seconds, _ = self.problem.pair_terms
        lower, upper = self._lower[0], self._upper[0]
        deals = slice(self.n_slots + len(firsts), self.n_base)
        col_low = np.concatenate(
            [lower[: self.n_slots], lower[firsts] * lower[seconds], lower[deals]]
        )
        col_high = np.concatenate(
            [upper[: self.n_slots], upper[firsts] * upper[seconds], upper[deals]]
        )
        coef = self._gain_coefficients
        low = self._gain_offsets + np.minimum(coef * col_low, coef * col_high).sum(axis=1)
        high = self._gain_offsets + np.maximum(coef * col_low, coef * col_high).sum(axis=1)
        return low, high

    def maximise(self, objective: Affine, deadline: Deadline, relax: bool = False) -> MilpResult:
        """Maximise ``objective``; ``relax`` drops integrality (an LP bound)."""
        left = deadline.remaining()
        if left is not None and left <= 0.0:
            return MilpResult("time_limit", None, None, np.inf, self.n_slots)
        n_cols = self._n_cols
        cost = np.zeros(n_cols)
        np.add.at(cost, objective.cols, -objective.vals)
        integrality = np.zeros(n_cols) if relax else np.concatenate(self._integer)
        constraints = None
        if self._row_lower:
            matrix = csr_array(
                (
                    np.concatenate(self._row_vals),
                    (np.concatenate(self._row_ids), np.concatenate(self._row_cols)),
                ),
                shape=(len(self._row_lower), n_cols),
            )
            constraints = LinearConstraint(matrix, self._row_lower, self._row_upper)
        options = dict(HIGHS_OPTIONS)
        if left is not None:
            options["time_limit"] = left
        try:
            with warnings.catch_warnings(), _c_stdout_to_stderr():
                warnings.filterwarnings("ignore", _VERBATIM_WARNING, RuntimeWarning)
                res = milp(
                    cost,
                    integrality=integrality,
                    bounds=Bounds(np.concatenate(self._lower), np.concatenate(self._upper)),
                    constraints=constraints,
                    options=options,
                )
        except (ValueError, RuntimeError, MemoryError) as exc:
            # C++ exceptions thrown inside HiGHS (e.g. ``std::length_error`` from
            # ``vector::reserve``) reach Python as ValueError or RuntimeError.
            raise SolverError(f"HiGHS failed: {exc!r}") from exc
        if res.status == 2:
            return MilpResult("infeasible", None, None, -np.inf, self.n_slots)
        if res.status not in (0, 1):
            raise SolverError(f"HiGHS failed: {res.message}")
        dual = res.get("mip_dual_bound")
        bound = math.inf if dual is None else objective.const - float(dual)
        if res.x is None:
            return MilpResult("time_limit", None, None, bound, self.n_slots)
        columns = np.asarray(res.x, dtype=np.float64)
        value = objective.value(columns)
        if res.status == 0:
            return MilpResult(
                "optimal", columns, value, value if dual is None else bound, self.n_slots
            )
        return MilpResult("time_limit", columns, value, bound, self.n_slots)
