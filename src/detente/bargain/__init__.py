"""Balance of interests: Pareto frontier and package deals over binary actions.

The pure computational core of ``detente bargain``. A :class:`BargainProblem` lists
parties, candidate slots (one party's action each), the deals that bring slots only
together, and how every party values each package of slots;
:func:`pareto_frontier` lists the non-dominated packages and
:func:`solve` picks one by a bargaining solution concept (Nash, egalitarian,
utilitarian, Kalai-Smorodinsky). Everything is exact: MILPs solved by HiGHS through
SciPy, with every reported number evaluated from the package itself. From a scenario,
:mod:`detente.bargain.scenario` builds the problem (deals, present values, the
disagreement point) and :mod:`detente.bargain.normalise` makes the concepts that
compare utilities across parties free of each party's units.
"""

from detente.bargain.errors import (
    BargainError,
    EmptyActionSetError,
    FrontierTooLargeError,
    InfeasibleError,
    InvalidInputError,
)
from detente.bargain.frontier import pareto_frontier
from detente.bargain.problem import (
    REL_TOL,
    BargainProblem,
    deals_in,
    gains,
    is_feasible,
    utilities,
)
from detente.bargain.results import (
    CONCEPTS,
    Concept,
    Frontier,
    FrontierPoint,
    FrontierStatus,
    Solution,
    SolutionStatus,
)
from detente.bargain.solve import solve

__all__ = [
    "CONCEPTS",
    "REL_TOL",
    "BargainError",
    "BargainProblem",
    "Concept",
    "EmptyActionSetError",
    "Frontier",
    "FrontierPoint",
    "FrontierStatus",
    "FrontierTooLargeError",
    "InfeasibleError",
    "InvalidInputError",
    "Solution",
    "SolutionStatus",
    "deals_in",
    "gains",
    "is_feasible",
    "pareto_frontier",
    "solve",
    "utilities",
]
