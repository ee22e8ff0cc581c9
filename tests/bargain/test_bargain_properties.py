"""Property tests: the MILP answers equal brute force over all 2**K packages.

Each test runs on unstructured problems and on problems with deals (``structured``),
whose packages brute force and the naive helpers check against the definition: every
bound slot in a package comes with a deal whole in it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from bargain_helpers import (
    assert_matches_brute_force,
    check_reported,
    close,
    naive_feasible,
    naive_frontier,
    naive_utility,
    problems,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.bargain import BargainProblem, pareto_frontier, solve, utilities
from detente.bargain.brute import brute_frontier, brute_solve
from detente.bargain.enumeration import feasible_packages
from detente.bargain.results import CONCEPTS

SETTINGS = settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])


STRUCTURED = pytest.mark.parametrize("structured", [False, True], ids=["plain", "deals"])


@STRUCTURED
@SETTINGS
@given(data=st.data())
def test_solutions_match_brute_force(structured: bool, data: st.DataObject) -> None:
    problem = data.draw(problems(with_deals=structured))
    for concept in CONCEPTS:
        assert_matches_brute_force(problem, concept)


def _assert_is_frontier(problem: BargainProblem, frontier: np.ndarray) -> None:
    """The definition, checked against every feasible package in numpy chunks.

    Sound: no package dominates a frontier point. Complete: every package is weakly
    dominated by (``<=`` everywhere) some frontier point. Plus: points are distinct.
    """
    table = utilities(problem, feasible_packages(problem))
    assert len({tuple(u) for u in frontier}) == len(frontier)
    for start in range(0, len(table), 1024):
        chunk = table[start : start + 1024]
        at_least = np.ones((len(chunk), len(frontier)), dtype=bool)
        at_most = np.ones_like(at_least)
        for p in range(problem.n_parties):
            at_least &= chunk[:, p, None] >= frontier[None, :, p]
            at_most &= chunk[:, p, None] <= frontier[None, :, p]
        assert not (at_least & ~at_most).any(), "a frontier point is dominated"
        covered = at_most.any(axis=1)
        assert covered.all(), f"{chunk[~covered][0]} is not covered by the frontier"


@STRUCTURED
@SETTINGS
@given(data=st.data())
def test_frontier_matches_definition(structured: bool, data: st.DataObject) -> None:
    problem = data.draw(problems(with_deals=structured))
    # Room for every package: six parties' utilities can leave thousands incomparable,
    # more than the default max_size, which would raise FrontierTooLargeError instead.
    frontier = pareto_frontier(problem, max_size=2**problem.n_slots)
    assert frontier.status == "complete"
    _assert_is_frontier(problem, frontier.utilities)
    for point in frontier.points:
        check_reported(problem, point.package, point.utilities)


@STRUCTURED
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_milp_frontier_matches_enumeration(structured: bool, data: st.DataObject) -> None:
    problem = data.draw(problems(max_slots=6, max_parties=3, with_deals=structured))
    frontier = pareto_frontier(problem, method="milp")
    assert frontier.method == "milp"
    assert frontier.status == "complete"
    _, expected = brute_frontier(problem)
    assert set(map(tuple, frontier.utilities)) == set(map(tuple, expected))
    for point in frontier.points:
        check_reported(problem, point.package, point.utilities)


def test_large_frontier_six_parties_is_quick() -> None:
    rng = np.random.default_rng(16)
    problem = BargainProblem(
        parties=tuple(f"P{p}" for p in range(6)),
        slots=tuple(f"s{k}" for k in range(16)),
        base=np.zeros(6),
        linear=rng.integers(-8, 9, size=(16, 6)) / 4,
        conflicts=((0, 1), (2, 3), (4, 5)),
    )
    start = time.monotonic()
    frontier = pareto_frontier(problem)
    assert time.monotonic() - start < 10.0
    assert frontier.method == "enumerate"
    assert len(frontier.points) > 1000
    _assert_is_frontier(problem, frontier.utilities)


@STRUCTURED
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_evaluation_matches_naive_loops(structured: bool, data: st.DataObject) -> None:
    problem = data.draw(problems(max_slots=8, max_parties=4, with_deals=structured))
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


@pytest.mark.parametrize("seed", range(12))
def test_nash_outer_approximation_converges_on_continuous_data(seed: int) -> None:
    """Larger instances with no ties, where the first cut model is rarely exact."""
    rng = np.random.default_rng(seed)
    n_parties = 3 + seed % 4
    problem = BargainProblem(
        parties=tuple(f"P{p}" for p in range(n_parties)),
        slots=tuple(f"s{k}" for k in range(18)),
        base=np.zeros(n_parties),
        linear=rng.normal(size=(18, n_parties)),
        pairwise=tuple((k, k + 1, rng.normal(size=n_parties)) for k in range(0, 17, 4)),
    )
    ours = solve(problem, "nash")
    theirs = brute_solve(problem, "nash")
    if theirs is None:
        assert ours.status == "no_agreement"
        return
    assert ours.objective is not None
    assert close(ours.objective, theirs.objective), (ours.objective, theirs.objective)
