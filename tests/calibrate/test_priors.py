"""Priors of ``detente calibrate``: parsed, truncated to the field, and every bad one refused."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from detente.calibrate.priors import choose_priors, parse_prior
from detente.scenario.overrides import load_document
from detente.sensitivity.params import SensitivityError


@pytest.fixture(scope="module")
def korea() -> dict:
    doc, _ = load_document("korea")
    return doc


def test_a_prior_is_parsed_into_its_path_family_and_parameters() -> None:
    assert parse_prior("noise.miss=beta(2, 30)") == ("noise.miss", "beta", (2.0, 30.0))
    assert parse_prior(" trust.forgetting = triangular(0.5,0.9,0.99) ") == (
        "trust.forgetting",
        "triangular",
        (0.5, 0.9, 0.99),
    )


def test_a_bounded_prior_keeps_its_support_and_matches_scipy(korea: dict) -> None:
    (p,) = choose_priors(korea, "korea", ["noise.false_alarm=beta(2,30)"])
    assert (p.low, p.high, p.nominal, p.integer) == (0.0, 1.0, 0.02, False)
    u = np.linspace(0.01, 0.99, 7)
    np.testing.assert_allclose(p.ppf(u), stats.beta(2, 30).ppf(u))
    assert str(p) == "beta(2, 30)"


def test_an_unbounded_prior_is_truncated_to_the_range_the_field_allows(korea: dict) -> None:
    (p,) = choose_priors(korea, "korea", ["noise.miss=normal(0.05, 0.1)"])
    assert (p.low, p.high) == (0.0, 1.0)
    draws = p.ppf(np.random.default_rng(0).uniform(size=20_000))
    assert draws.min() >= 0.0
    # the truncated normal's mean, worked out: mu + sd * phi(a) / (1 - Phi(a)), a = -0.5
    a = -0.5
    expected = 0.05 + 0.1 * stats.norm.pdf(a) / (1 - stats.norm.cdf(a))
    assert abs(draws.mean() - expected) < 0.002
    assert p.pdf(np.array(-0.01)) == 0.0
    assert abs(p.cdf(np.array(1.0)) - 1.0) < 1e-12


def test_an_integer_field_takes_a_prior_and_is_rounded_when_applied(korea: dict) -> None:
    path = "roadmap.stages[trust_building].exit.calm_rounds"
    (p,) = choose_priors(korea, "korea", [f"{path}=uniform(1, 8)"])
    assert p.integer
    assert p.parameter().text(3.6) == "4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("noise.miss=gamma(1,2)", "unknown distribution 'gamma'; one of uniform(low, high)"),
        ("noise.miss=normal(0.1,-1)", "normal needs a positive sd, got -1"),
        ("noise.miss=lognormal(0,0)", "lognormal needs a positive sigma, got 0"),
        ("noise.miss=beta(0,2)", "beta needs a > 0 and b > 0, got a 0 and b 2"),
        ("noise.miss=uniform(0.3,0.1)", "uniform needs low < high"),
        ("noise.miss=triangular(0,0.5,0.4)", "triangular needs low <= mode <= high"),
        ("noise.miss=uniform(0,1.5)", "reaches 1.5, outside the range [0, 1] this number allows"),
        ("noise.miss=normal(-5,0.1)", "puts no probability inside the range [0, 1]"),
        ("noise.miss=beta(2)", "beta takes 2 parameters (a, b), got 1"),
        ("noise.miss=beta(2,x)", "'x' is not a number"),
        ("noise.miss=0.1", "is not NAME(numbers)"),
        ("noise.miss", "expected PATH=PRIOR"),
        ("noise.mis=beta(2,30)", "--param noise.mis: noise has no key 'mis'"),
        ("trust.priors[40].trust=beta(2,2)", "--param trust.priors[40].trust"),
    ],
)
def test_a_bad_prior_is_refused_naming_option_path_and_value(
    korea: dict, text: str, message: str
) -> None:
    with pytest.raises(SensitivityError) as err:
        choose_priors(korea, "korea", [text])
    assert message in str(err.value)


def test_every_bad_prior_is_reported_at_once(korea: dict) -> None:
    with pytest.raises(SensitivityError) as err:
        choose_priors(korea, "korea", ["noise.miss=gamma(1,2)", "noise.nope=beta(2,2)"])
    assert "gamma" in str(err.value)
    assert "noise.nope" in str(err.value)


def test_a_prior_at_which_the_scenario_is_invalid_is_refused(korea: dict) -> None:
    # korea's horizon is too short for its stages when stage 1 needs 40 calm rounds
    path = "roadmap.stages[trust_building].exit.calm_rounds"
    with pytest.raises(SensitivityError) as err:
        choose_priors(korea, "korea", [f"{path}=uniform(1, 400)"])
    assert "the scenario is not valid at 400" in str(err.value)


def test_a_path_given_twice_or_none_at_all_is_refused(korea: dict) -> None:
    with pytest.raises(SensitivityError, match="given twice"):
        choose_priors(korea, "korea", ["noise.miss=beta(2,2)", "noise.miss=beta(3,3)"])
    with pytest.raises(SensitivityError, match="name the numbers to fit"):
        choose_priors(korea, "korea", [])
