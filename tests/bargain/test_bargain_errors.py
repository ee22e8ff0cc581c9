"""Clear errors for bad input, and honest statuses when time runs out."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from detente.bargain import (
    BargainError,
    BargainProblem,
    EmptyActionSetError,
    FrontierTooLargeError,
    InfeasibleError,
    InvalidInputError,
    is_feasible,
    pareto_frontier,
    solve,
    utilities,
)


def _make(**changes: Any) -> BargainProblem:
    fields: dict[str, Any] = {
        "parties": ("A", "B"),
        "slots": ("A:x", "B:y", "A:z"),
        "base": np.zeros(2),
        "linear": np.ones((3, 2)),
    }
    fields.update(changes)
    return BargainProblem(**fields)


@pytest.mark.parametrize(
    "error",
    [InvalidInputError, EmptyActionSetError, InfeasibleError, FrontierTooLargeError],
)
def test_errors_share_a_base(error: type[Exception]) -> None:
    assert issubclass(error, BargainError)
    assert issubclass(error, ValueError)


def test_empty_action_set() -> None:
    with pytest.raises(EmptyActionSetError, match="no actions available to bargain over"):
        _make(slots=(), linear=np.zeros((0, 2)))


def test_every_slot_forbidden_is_empty_too() -> None:
    with pytest.raises(EmptyActionSetError, match="all 3 slots are forbidden"):
        _make(forbidden=(0, 1, 2))


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"base": np.zeros(3)}, r"base has shape \(3,\); expected \(2,\)"),
        ({"linear": np.ones((2, 3))}, r"linear has shape \(2, 3\); expected \(3, 2\)"),
        ({"disagreement": [1.0]}, r"disagreement has shape \(1,\)"),
        ({"linear": [[1, 2], [3, np.nan], [5, 6]]}, r"linear\[1, 1\] is nan"),
        ({"base": ["a", "b"]}, "base is not numeric"),
        ({"pairwise": ((0, 1, np.ones(3)),)}, r"pairwise\[0\] values has shape \(3,\)"),
        ({"pairwise": ((0, 5, np.ones(2)),)}, r"pairwise\[0\] index l is 5; slot indices run"),
        ({"pairwise": ((1, 1, np.ones(2)),)}, r"pairwise\[0\] pairs slot 1 with itself"),
        ({"pairwise": ((0,),)}, r"pairwise\[0\] is \(0,\); expected \(k, l, values\[P\]\)"),
        ({"conflicts": ((0, -1),)}, r"conflicts\[0\] index l is -1"),
        ({"conflicts": ((2, 2),)}, r"conflicts\[0\] pairs slot 2 \('A:z'\) with itself"),
        ({"conflicts": ((True, 1),)}, r"conflicts\[0\] index k is True; expected an integer"),
        ({"required": (3,)}, r"required\[0\] is 3; slot indices run from 0 to 2"),
        ({"forbidden": (1.5,)}, r"forbidden\[0\] is 1.5; expected an integer"),
        ({"parties": ("A", "A")}, r"parties\[1\] repeats the label 'A'"),
        ({"slots": ("x", "", "z")}, r"slots\[1\] is ''"),
        ({"parties": (), "base": np.zeros(0), "linear": np.zeros((3, 0))}, "parties is empty"),
        ({"deals": [(0, 1)]}, r"deals is \[\(0, 1\)\]; expected a mapping name -> slots"),
        ({"deals": {"d": (0, 3)}}, r"deals\['d'\]\[1\] is 3; slot indices run from 0 to 2"),
        ({"deals": {"d": ()}}, r"deals\['d'\] has no slots"),
        ({"deals": {"d": 1}}, r"deals\['d'\] is 1; expected slot indices"),
        ({"deals": {"": (0,)}}, r"deals\[0\] is ''"),
        (
            {"deals": {"d": (0, 1)}, "bound": (2,)},
            r"bound\[0\] is slot 2 \('A:z'\), which is in no deal",
        ),
        (
            {"deals": {"d": (0, 1)}, "bound": (0,), "required": (0,)},
            r"slot 0 \('A:x'\) is required but enters only through a deal",
        ),
    ],
)
def test_invalid_input_names_field_and_value(changes: dict[str, Any], pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        _make(**changes)


def test_required_and_forbidden_is_infeasible() -> None:
    with pytest.raises(InfeasibleError, match="slot 1 \\('B:y'\\) is both required and forbidden"):
        _make(required=(1,), forbidden=(1,))


def test_required_conflict_is_infeasible() -> None:
    with pytest.raises(InfeasibleError, match=r"conflicts\[0\]: required slots 0"):
        _make(required=(0, 2), conflicts=((0, 2),))


def test_bad_arguments() -> None:
    problem = _make()
    with pytest.raises(InvalidInputError, match="unknown solution 'rawls'"):
        solve(problem, "rawls")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="time_limit is -1"):
        solve(problem, "nash", time_limit=-1)
    with pytest.raises(InvalidInputError, match="max_size is 0"):
        pareto_frontier(problem, max_size=0)
    with pytest.raises(InvalidInputError, match="unknown method 'fast'"):
        pareto_frontier(problem, method="fast")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"packages has shape \(2,\)"):
        utilities(problem, [1, 0])
    with pytest.raises(InvalidInputError, match="only booleans or 0/1"):
        utilities(problem, [2, 0, 0])


def test_evaluation_shapes() -> None:
    problem = _make(conflicts=((0, 1),))
    assert utilities(problem, [1, 1, 0]).shape == (2,)
    assert utilities(problem, np.ones((4, 3), dtype=bool)).shape == (4, 2)
    np.testing.assert_array_equal(is_feasible(problem, [[1, 1, 0], [1, 0, 1]]), [False, True])


def test_problem_arrays_are_read_only_copies() -> None:
    linear = np.ones((3, 2))
    problem = _make(linear=linear)
    linear[0, 0] = 5.0
    assert problem.linear[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        problem.linear[0, 0] = 2.0


def test_frontier_too_large_says_how_to_raise_the_bound() -> None:
    problem = _make(linear=np.array([[1.0, -1.0], [-1.0, 1.0], [2.0, -3.0]]))
    assert len(pareto_frontier(problem).points) > 2
    for method in ("enumerate", "milp"):
        with pytest.raises(FrontierTooLargeError, match="more than max_size=2 points; pass a"):
            pareto_frontier(problem, max_size=2, method=method)  # type: ignore[arg-type]


def _hard(n_slots: int = 120, n_parties: int = 6) -> BargainProblem:
    rng = np.random.default_rng(0)
    return BargainProblem(
        parties=tuple(f"P{p}" for p in range(n_parties)),
        slots=tuple(f"s{k}" for k in range(n_slots)),
        base=np.zeros(n_parties),
        linear=rng.normal(size=(n_slots, n_parties)),
        pairwise=tuple((k, k + 1, rng.normal(size=n_parties)) for k in range(0, n_slots - 1, 3)),
    )


@pytest.mark.parametrize("concept", ["egalitarian", "kalai", "nash"])
def test_time_limit_is_reported_honestly(concept: str) -> None:
    problem = _hard()
    start = time.monotonic()
    solution = solve(problem, concept, time_limit=0.05)  # type: ignore[arg-type]
    assert time.monotonic() - start < 5.0
    assert solution.status == "time_limit"
    assert "not proven optimal" in solution.message or "no package found" in solution.message
    if solution.package is not None:
        assert is_feasible(problem, solution.package).all()


def test_frontier_time_limit_keeps_only_proven_points() -> None:
    problem = _hard(n_slots=40)
    frontier = pareto_frontier(problem, time_limit=0.3, method="milp")
    assert frontier.status == "time_limit"
    complete = pareto_frontier(_hard(n_slots=12), time_limit=0.001, method="enumerate")
    assert complete.status in ("time_limit", "complete")
