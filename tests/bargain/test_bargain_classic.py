"""Textbook cases whose answers are known without any solver."""

from __future__ import annotations

import numpy as np
import pytest

from detente.bargain import BargainProblem, solve


def _split(values: list[float]) -> BargainProblem:
    """Two parties share items; slot 2i gives item i to A, slot 2i+1 gives it to B."""
    linear = []
    conflicts = []
    for i, value in enumerate(values):
        linear += [[value, 0.0], [0.0, value]]
        conflicts.append((2 * i, 2 * i + 1))
    return BargainProblem(
        parties=("A", "B"),
        slots=tuple(f"{who}:item{i}" for i in range(len(values)) for who in "AB"),
        base=np.zeros(2),
        linear=np.array(linear),
        conflicts=tuple(conflicts),
    )


@pytest.mark.parametrize("concept", ["nash", "egalitarian", "kalai"])
def test_symmetric_split_is_symmetric(concept: str) -> None:
    solution = solve(_split([1.0, 1.0, 1.0, 1.0]), concept)  # type: ignore[arg-type]
    assert solution.status == "optimal"
    assert solution.gains is not None
    np.testing.assert_array_equal(solution.gains, [2.0, 2.0])
    assert len(solution.slots) == 4


def test_nash_product_of_symmetric_split() -> None:
    solution = solve(_split([3.0, 1.0, 1.0, 1.0]), "nash")
    assert solution.gains is not None
    np.testing.assert_array_equal(np.sort(solution.gains), [3.0, 3.0])
    assert solution.objective == 9.0


def test_utilitarian_gives_every_item_away() -> None:
    solution = solve(_split([1.0, 2.0, 3.0]), "utilitarian")
    assert solution.objective == 6.0


def _with_loser() -> BargainProblem:
    """A and B gain from trading; C loses from every action."""
    return BargainProblem(
        parties=("A", "B", "C"),
        slots=("A:give", "B:give", "C:give"),
        base=np.array([1.0, 1.0, 1.0]),
        linear=np.array([[-1.0, 3.0, -1.0], [3.0, -1.0, 0.0], [1.0, 1.0, -2.0]]),
    )


@pytest.mark.parametrize("concept", ["nash", "kalai"])
def test_party_without_gain_blocks(concept: str) -> None:
    solution = solve(_with_loser(), concept)  # type: ignore[arg-type]
    assert solution.status == "no_agreement"
    assert solution.blocking == ("C",)
    assert solution.package is None
    assert "C" in solution.message


def test_egalitarian_reports_no_agreement_with_its_package() -> None:
    solution = solve(_with_loser(), "egalitarian")
    assert solution.status == "no_agreement"
    assert solution.blocking == ("C",)
    assert solution.objective == 0.0
    assert solution.package is not None


def test_no_agreement_without_a_blocking_party() -> None:
    problem = BargainProblem(
        parties=("A", "B"),
        slots=("A:win", "B:win"),
        base=np.zeros(2),
        linear=np.array([[2.0, -1.0], [-1.0, 2.0]]),
        conflicts=((0, 1),),
    )
    solution = solve(problem, "nash")
    assert solution.status == "no_agreement"
    assert solution.blocking == ()
    assert "none makes all gain at once" in solution.message


def test_disagreement_point_shifts_the_gains() -> None:
    problem = _split([1.0, 1.0, 1.0, 1.0])
    shifted = BargainProblem(
        parties=problem.parties,
        slots=problem.slots,
        base=problem.base,
        linear=problem.linear,
        conflicts=problem.conflicts,
        disagreement=np.array([1.0, 0.0]),
    )
    solution = solve(shifted, "nash")
    assert solution.gains is not None
    assert solution.utilities is not None
    np.testing.assert_array_equal(solution.utilities - solution.gains, [1.0, 0.0])
    assert solution.objective == pytest.approx(2.0)


def test_pairwise_complement_is_taken_together() -> None:
    problem = BargainProblem(
        parties=("US", "DPRK"),
        slots=("DPRK:freeze_tests", "US:sanctions_relief"),
        base=np.zeros(2),
        linear=np.array([[1.0, -2.0], [-2.0, 1.0]]),
        pairwise=((0, 1, np.array([2.5, 2.5])),),
    )
    solution = solve(problem, "nash")
    assert solution.slots == ("DPRK:freeze_tests", "US:sanctions_relief")
    assert solution.gains is not None
    np.testing.assert_array_equal(solution.gains, [1.5, 1.5])


def test_required_and_forbidden_slots_are_respected() -> None:
    problem = _split([1.0, 1.0, 1.0, 1.0])
    constrained = BargainProblem(
        parties=problem.parties,
        slots=problem.slots,
        base=problem.base,
        linear=problem.linear,
        conflicts=problem.conflicts,
        required=(0,),
        forbidden=(2,),
    )
    for concept in ("nash", "egalitarian", "utilitarian", "kalai"):
        solution = solve(constrained, concept)  # type: ignore[arg-type]
        assert solution.package is not None
        assert solution.package[0]
        assert not solution.package[2]


def test_same_input_same_output() -> None:
    rng = np.random.default_rng(7)
    problem = BargainProblem(
        parties=tuple("ABCD"),
        slots=tuple(f"s{k}" for k in range(12)),
        base=np.zeros(4),
        linear=rng.normal(size=(12, 4)),
    )
    for concept in ("nash", "egalitarian", "utilitarian", "kalai"):
        first = solve(problem, concept)  # type: ignore[arg-type]
        second = solve(problem, concept)  # type: ignore[arg-type]
        assert first.slots == second.slots
        assert first.objective == second.objective
