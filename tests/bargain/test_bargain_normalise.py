"""Interpersonal comparisons: which concepts are invariant to one party's units, and
``normalise``, which makes the others so."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from bargain_helpers import close, problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.bargain import BargainProblem, gains, solve
from detente.bargain.brute import brute_extremes, brute_solve
from detente.bargain.normalise import comparison_warning, normalise, utility_ranges

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rescaled(problem: BargainProblem, party: int, factor: float) -> BargainProblem:
    """``problem`` with party ``party``'s utilities and disagreement value times ``factor``."""
    column = np.ones(problem.n_parties)
    column[party] = factor
    return replace(
        problem,
        base=problem.base * column,
        linear=problem.linear * column,
        pairwise=tuple((k, m, v * column) for k, m, v in problem.pairwise),
        disagreement=problem.disagreement_point * column,
    )


@SETTINGS
@given(
    problems(max_slots=10, max_parties=4, with_deals=True),
    st.data(),
    st.sampled_from([0.25, 3.0, 8.0, 0.1]),
)
def test_nash_and_kalai_ignore_one_partys_units(
    problem: BargainProblem, data: st.DataObject, factor: float
) -> None:
    """The package chosen after rescaling is optimal for the original problem too."""
    party = data.draw(st.integers(0, problem.n_parties - 1))
    scaled = rescaled(problem, party, factor)
    for concept in ("nash", "kalai"):
        best = brute_solve(problem, concept)
        ours = solve(scaled, concept)
        if best is None:
            assert ours.status == "no_agreement"
            continue
        assert ours.status == "optimal", ours.message
        assert ours.package is not None
        original = gains(problem, ours.package)
        if concept == "nash":
            assert close(float(np.prod(original)), best.objective), (original, best.gains)
        else:
            assert best.ideal is not None
            np.testing.assert_allclose(
                np.sort(original / best.ideal), np.sort(best.gains / best.ideal), atol=1e-9
            )


@SETTINGS
@given(
    problems(max_slots=10, max_parties=4, with_deals=True),
    st.data(),
    st.sampled_from([0.25, 2.0, 8.0, 1 / 16]),
)
def test_normalised_problems_ignore_one_partys_units(
    problem: BargainProblem, data: st.DataObject, factor: float
) -> None:
    """Rescaled by a power of two (exact in floating point), the normalised problem is the
    same, and so is every concept's package."""
    party = data.draw(st.integers(0, problem.n_parties - 1))
    plain, scaled = normalise(problem), normalise(rescaled(problem, party, factor))
    for name in ("base", "linear", "disagreement_point"):
        np.testing.assert_array_equal(getattr(plain.problem, name), getattr(scaled.problem, name))
    for concept in ("egalitarian", "utilitarian"):
        first, second = solve(plain.problem, concept), solve(scaled.problem, concept)
        assert first.slots == second.slots
        assert first.objective == second.objective


@SETTINGS
@given(problems(max_slots=10, max_parties=4, with_deals=True))
def test_ranges_are_best_minus_worst_over_feasible_packages(problem: BargainProblem) -> None:
    high, low = brute_extremes(problem)
    np.testing.assert_allclose(utility_ranges(problem), high - low, atol=1e-9)
    normalised_high, normalised_low = brute_extremes(normalise(problem).problem)
    spread = normalised_high - normalised_low
    moving = high - low > 0
    np.testing.assert_allclose(spread[moving], 1.0, atol=1e-9)
    np.testing.assert_array_equal(spread[~moving], 0.0)


def _two_offers() -> BargainProblem:
    """Two exclusive offers: gains (4, 1) or (1.5, 2)."""
    return BargainProblem(
        parties=("A", "B"),
        slots=("first", "second"),
        base=np.zeros(2),
        linear=np.array([[4.0, 1.0], [1.5, 2.0]]),
        conflicts=((0, 1),),
    )


def test_egalitarian_depends_on_units_unless_normalised() -> None:
    """The control: without normalising, B's units decide the egalitarian package."""
    problem = _two_offers()
    assert solve(problem, "egalitarian").slots == ("second",)
    assert solve(rescaled(problem, 1, 4.0), "egalitarian").slots == ("first",)
    np.testing.assert_array_equal(normalise(problem).ranges, [4.0, 2.0])
    assert solve(normalise(problem).problem, "egalitarian").slots == ("first",)
    assert solve(normalise(rescaled(problem, 1, 4.0)).problem, "egalitarian").slots == ("first",)


def test_the_warning_names_the_concepts_that_compare_across_parties() -> None:
    warning = comparison_warning(["nash", "egalitarian", "utilitarian", "kalai"], False)
    assert warning is not None
    assert warning.startswith("egalitarian and utilitarian compare utilities across parties")
    assert "--normalise" in warning
    single = comparison_warning(["utilitarian"], False)
    assert single is not None
    assert single.startswith("utilitarian compares")
    assert comparison_warning(["nash", "kalai"], False) is None
    assert comparison_warning(["egalitarian"], True) is None


def test_brute_force_agrees_on_the_normalised_packages() -> None:
    problem = normalise(_two_offers()).problem
    for concept in ("egalitarian", "utilitarian"):
        best = brute_solve(problem, concept)
        assert best is not None
        assert solve(problem, concept).objective == best.objective
