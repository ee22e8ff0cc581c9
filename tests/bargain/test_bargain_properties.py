"""Property tests: the MILP answers equal brute force over all 2**K packages."""

from __future__ import annotations

import numpy as np
from bargain_helpers import naive_feasible, naive_frontier, naive_utility, problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.bargain import REL_TOL, BargainProblem, is_feasible, pareto_frontier, solve, utilities
from detente.bargain.brute import brute_frontier, brute_solve
from detente.bargain.enumeration import feasible_packages

SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _assert_efficient(problem: BargainProblem, point: np.ndarray) -> None:
    table = utilities(problem, feasible_packages(problem))
    better = np.all(table >= point, axis=1) & np.any(table > point, axis=1)
    assert not better.any(), f"{point} is dominated by {table[better][0]}"


def _check_reported(problem: BargainProblem, package: np.ndarray, utils: np.ndarray) -> None:
    assert is_feasible(problem, package).all()
    np.testing.assert_array_equal(utils, utilities(problem, package))


@SETTINGS
@given(problems())
def test_solutions_match_brute_force(problem: BargainProblem) -> None:
    tol = REL_TOL * problem.scale
    for concept in ("utilitarian", "egalitarian", "nash", "kalai"):
        ours = solve(problem, concept)
        theirs = brute_solve(problem, concept)
        if theirs is None:
            assert ours.status == "no_agreement", concept
            assert ours.package is None
            continue
        if concept in ("nash", "kalai") or theirs.objective > tol or concept == "utilitarian":
            assert ours.status == "optimal", (concept, ours.message)
        else:
            assert ours.status == "no_agreement"
        assert ours.package is not None and ours.utilities is not None
        assert ours.gains is not None and ours.objective is not None
        _check_reported(problem, ours.package, ours.utilities)
        assert _close(ours.objective, theirs.objective), (concept, ours.objective, theirs)
        _assert_efficient(problem, ours.utilities)
        if concept == "egalitarian":
            np.testing.assert_allclose(np.sort(ours.gains), np.sort(theirs.gains), atol=1e-9)
        if concept == "kalai":
            assert ours.ideal is not None
            ratios = np.sort(ours.gains / ours.ideal)
            np.testing.assert_allclose(ratios, np.sort(theirs.gains / ours.ideal), atol=1e-9)


@SETTINGS
@given(problems())
def test_frontier_matches_definition(problem: BargainProblem) -> None:
    frontier = pareto_frontier(problem)
    assert frontier.status == "complete"
    points = [naive_utility(problem, package) for package in naive_feasible(problem)]
    assert set(map(tuple, frontier.utilities)) == naive_frontier(points)
    for point in frontier.points:
        _check_reported(problem, point.package, point.utilities)


@settings(max_examples=25, deadline=None)
@given(problems(max_slots=7, max_parties=4))
def test_milp_frontier_matches_enumeration(problem: BargainProblem) -> None:
    frontier = pareto_frontier(problem, method="milp")
    assert frontier.method == "milp" and frontier.status == "complete"
    _, expected = brute_frontier(problem)
    assert set(map(tuple, frontier.utilities)) == set(map(tuple, expected))
    for point in frontier.points:
        _check_reported(problem, point.package, point.utilities)


def test_large_frontier_six_parties_is_quick() -> None:
    rng = np.random.default_rng(16)
    problem = BargainProblem(
        parties=tuple(f"P{p}" for p in range(6)),
        slots=tuple(f"s{k}" for k in range(16)),
        base=np.zeros(6),
        linear=rng.integers(-8, 9, size=(16, 6)) / 4,
    )
    frontier = pareto_frontier(problem)
    packages = feasible_packages(problem)
    assert len(packages) == 2**16
    table = utilities(problem, packages)
    kept = frontier.utilities
    for point in kept[:: max(1, len(kept) // 50)]:
        _assert_efficient(problem, point)
    assert len({tuple(u) for u in kept}) == len(kept) > 100


@settings(max_examples=40, deadline=None)
@given(problems(max_slots=8, max_parties=4))
def test_evaluation_matches_naive_loops(problem: BargainProblem) -> None:
    packages = naive_feasible(problem)
    assert [tuple(p) for p in feasible_packages(problem).astype(int)] == sorted(packages)
    table = utilities(problem, np.array(packages, dtype=bool))
    expected = np.array([naive_utility(problem, p) for p in packages])
    np.testing.assert_allclose(table, expected, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(-3, 3).map(float), min_size=3, max_size=3), min_size=1, max_size=60
    )
)
def test_nondominated_filter_matches_definition(rows: list[list[float]]) -> None:
    from detente.bargain.enumeration import nondominated

    points = np.array(rows)
    kept, complete = nondominated(points)
    assert complete
    assert {tuple(points[i]) for i in kept} == naive_frontier([tuple(r) for r in rows])
    assert len(kept) == len({tuple(points[i]) for i in kept})
    for i in kept:
        assert i == min(j for j, r in enumerate(rows) if tuple(r) == tuple(points[i]))
