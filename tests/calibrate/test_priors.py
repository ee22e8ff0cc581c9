"""Priors of ``detente calibrate``: parsed, truncated to the field, and every bad one refused."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from detente.calibrate.priors import choose_priors
from detente.scenario.overrides import load_document
from detente.sensitivity.params import SensitivityError


@pytest.fixture(scope="module")
def korea() -> dict:
    doc, _ = load_document("korea")
    return doc


def test_a_prior_is_parsed_into_its_path_family_and_parameters(korea: dict) -> None:
    given = ["noise.miss=beta(2, 30)", " trust.forgetting = triangular(0.5,0.9,0.99) "]
    miss, forgetting = choose_priors(korea, "korea", given)
    assert (miss.path, miss.distribution.name, miss.distribution.params) == (
        "noise.miss",
        "beta",
        (2.0, 30.0),
    )
    assert (forgetting.path, forgetting.distribution.name, forgetting.distribution.params) == (
        "trust.forgetting",
        "triangular",
        (0.5, 0.9, 0.99),
    )


def test_a_bounded_prior_keeps_its_support_and_matches_scipy(korea: dict) -> None:
    (p,) = choose_priors(korea, "korea", ["noise.false_alarm=beta(2,30)"])
    d = p.distribution
    assert (d.low, d.high, p.nominal, d.integer) == (0.0, 1.0, 0.02, False)
    u = np.linspace(0.01, 0.99, 7)
    np.testing.assert_allclose(d.ppf(u), stats.beta(2, 30).ppf(u))
    assert str(p) == "beta(2, 30)"


def test_an_unbounded_prior_is_truncated_to_the_range_the_field_allows(korea: dict) -> None:
    (p,) = choose_priors(korea, "korea", ["noise.miss=normal(0.05, 0.1)"])
    d = p.distribution
    assert (d.low, d.high) == (0.0, 1.0)
    draws = d.ppf(np.random.default_rng(0).uniform(size=20_000))
    assert draws.min() >= 0.0
    # the truncated normal's mean, worked out: mu + sd * phi(a) / (1 - Phi(a)), a = -0.5
    a = -0.5
    expected = 0.05 + 0.1 * stats.norm.pdf(a) / (1 - stats.norm.cdf(a))
    assert abs(draws.mean() - expected) < 0.002
    assert d.pdf(np.array(-0.01)) == 0.0
    assert abs(d.cdf(np.array(1.0)) - 1.0) < 1e-12


def test_an_integer_field_takes_a_prior_and_is_rounded_when_applied(korea: dict) -> None:
    path = "roadmap.stages[trust_building].exit.calm_rounds"
    (p,) = choose_priors(korea, "korea", [f"{path}=uniform(1, 8)"])
    assert p.distribution.integer
    assert p.parameter().text(3.6) == "4"


def test_a_prior_reaching_an_open_limit_stops_just_inside_it(korea: dict) -> None:
    (p,) = choose_priors(korea, "korea", ["trust.priors[0].trust=uniform(0, 1)"])
    low, high = p.ends()
    assert low > 0
    assert high < 1
    assert float(p.parameter().text(low)) == low  # written exactly, read back as a number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("noise.miss=gamma(1,2)", "--param noise.miss=gamma(1,2): unknown distribution 'gamma'"),
        ("noise.miss=normal(0.1,-1)", "--param noise.miss=normal(0.1,-1): normal needs sd > 0"),
        ("noise.miss=lognormal(0,0)", "lognormal needs sigma > 0"),
        ("noise.miss=beta(0,2)", "--param noise.miss=beta(0,2): beta(a, b) needs a > 0 and b > 0"),
        ("noise.miss=uniform(0.3,0.1)", "uniform(low, high) needs low < high"),
        ("noise.miss=triangular(0,0.5,0.4)", "triangular(low, mode, high) needs the mode in"),
        ("noise.miss=uniform(0,1.5)", "support [0, 1.5] is outside the range [0, 1] this number"),
        ("noise.miss=normal(-5,0.1)", "has no probability in the range [0, 1]"),
        ("noise.miss=beta(2)", "beta takes 2 parameters, beta(a, b); got 1"),
        ("noise.miss=beta(2,x)", "the parameters of beta must be numbers: 'x' is not"),
        ("noise.miss=0.1", "--param noise.miss=0.1: not a distribution: uniform(low, high)"),
        ("noise.miss", "expected PATH=PRIOR"),
        ("rounds=uniform(10,20)", "--param rounds=uniform(10,20): rounds cannot be uncertain"),
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
