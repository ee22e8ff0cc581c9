"""Numbers written as distributions: their draws, their truncation, their errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from detente.scenario import ScenarioError, builtin_text, load_scenario
from detente.scenario.distributions import Distribution, DistributionError, parse_distribution
from detente.scenario.fields import Bounds, Field, field_at
from detente.scenario.overrides import load_with_overrides
from detente.scenario.uncertain import load_uncertain

PROBABILITY = Field(float, Bounds(0.0, 1.0), None, "miss")
POSITIVE = Field(float, Bounds(0.0, None, open_low=True), None, "weight")
FREE = Field(float, Bounds(), None, "base")
COUNT = Field(int, Bounds(0.0, None, integer=True), None, "calm_rounds")
U = (np.arange(4000) + 0.5) / 4000  # evenly spread: the ppf's image is the distribution itself
N = 3000


def _uniforms(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(N)


CASES = [
    ("uniform(0.1, 0.4)", PROBABILITY, stats.uniform(0.1, 0.3)),
    ("triangular(0, 0.2, 0.5)", PROBABILITY, stats.triang(0.4, 0, 0.5)),
    ("beta(2, 30)", PROBABILITY, stats.beta(2, 30)),
    ("normal(3, 2)", FREE, stats.norm(3, 2)),
    ("lognormal(0.5, 0.4)", POSITIVE, stats.lognorm(0.4, scale=math.exp(0.5))),
    # truncated: a probability written normal(0.05, 0.1) lives on [0, 1]
    ("normal(0.05, 0.1)", PROBABILITY, stats.truncnorm(-0.5, 9.5, loc=0.05, scale=0.1)),
    ("lognormal(0, 1)", PROBABILITY, stats.truncnorm(-np.inf, 0, loc=0, scale=1)),
]


@pytest.mark.parametrize(("text", "field", "reference"), CASES, ids=[c[0] for c in CASES])
def test_draws_follow_the_distribution(text: str, field: Field, reference: object) -> None:
    d = parse_distribution(text, field)
    x = d.ppf(_uniforms(7))
    assert d.low <= x.min()
    assert x.max() <= d.high
    if text == "lognormal(0, 1)":  # truncated to (0, 1]: its log is a normal truncated at 0
        x = np.log(x)
    result = stats.kstest(x, reference.cdf)  # type: ignore[attr-defined]
    assert result.pvalue > 0.01, (text, result)


@pytest.mark.parametrize(("text", "field", "reference"), CASES, ids=[c[0] for c in CASES])
def test_density_and_cdf_are_the_truncated_distributions(
    text: str, field: Field, reference: object
) -> None:
    d = parse_distribution(text, field)
    inside = d.ppf(U[::40], rounded=False)
    np.testing.assert_allclose(d.cdf(inside), U[::40], atol=1e-9)  # the ppf's inverse
    x = inside if text != "lognormal(0, 1)" else np.log(inside)
    np.testing.assert_allclose(d.cdf(inside), reference.cdf(x), atol=1e-9)  # type: ignore[attr-defined]
    density = reference.pdf(x) / (inside if text == "lognormal(0, 1)" else 1)  # type: ignore[attr-defined]
    np.testing.assert_allclose(d.pdf(inside), density, rtol=1e-9)
    below, above = np.array([d.low - 1]), np.array([d.high + 1])
    assert d.pdf(below)[0] == d.pdf(above)[0] == d.cdf(below)[0] == 0
    assert d.cdf(above)[0] == 1


def test_the_density_of_a_shifted_distribution_differs_so_the_test_can_fail() -> None:
    d = parse_distribution("normal(0.05, 0.1)", PROBABILITY)
    x = np.linspace(0.01, 0.5, 9)
    assert not np.allclose(d.pdf(x), stats.norm(0.05, 0.1).pdf(x), rtol=1e-3)  # not truncated


def test_a_shifted_distribution_fails_the_test_so_the_test_can_fail() -> None:
    x = parse_distribution("beta(2, 30)", PROBABILITY).ppf(_uniforms(7))
    assert stats.kstest(x, stats.beta(2, 25).cdf).pvalue < 0.01


def test_integer_fields_round_and_the_median_is_the_ppf_at_one_half() -> None:
    d = parse_distribution("triangular(2, 3, 9)", COUNT)
    x = d.ppf(U)
    assert np.array_equal(x, np.round(x))
    assert x.min() == 2
    assert x.max() == 9
    assert d.median == round(float(stats.triang(1 / 7, 2, 7).ppf(0.5)))
    b = parse_distribution("beta(2, 30)", PROBABILITY)
    assert b.median == pytest.approx(stats.beta(2, 30).median(), rel=1e-9)
    assert str(b) == "beta(2, 30)"


def test_an_open_limit_is_never_reached() -> None:
    trust = field_at(["trust", "priors", 0, "trust"])
    assert trust.bounds.open_low
    assert trust.bounds.open_high
    d = parse_distribution("uniform(0, 1)", trust)
    x = d.ppf(np.array([0.0, 0.5, 1.0]))
    assert x[0] > 0
    assert x[2] < 1


BAD = [
    ("gamma(1, 2)", PROBABILITY, "unknown distribution 'gamma' (known: uniform, triangular"),
    ("beta(2)", PROBABILITY, "beta takes 2 parameters, beta(a, b); got 1"),
    ("normal(a, 1)", FREE, "the parameters of normal must be numbers"),
    ("normal(0, -1)", FREE, "normal needs sd > 0"),
    ("lognormal(0, 0)", POSITIVE, "lognormal needs sigma > 0"),
    ("beta(0, 2)", PROBABILITY, "beta(a, b) needs a > 0 and b > 0"),
    ("uniform(0.4, 0.1)", PROBABILITY, "uniform(low, high) needs low < high"),
    ("triangular(0, 0.6, 0.5)", PROBABILITY, "needs the mode in [low, high]"),
    ("uniform(0.5, 1.5)", PROBABILITY, "support [0.5, 1.5] is outside the range [0, 1]"),
    ("beta(2, 2)", Field(float, Bounds(0.0, 0.5), None, "x"), "outside the range [0, 0.5]"),
    ("normal(5, 0.1)", PROBABILITY, "has no probability in the range [0, 1]"),
]


@pytest.mark.parametrize(("text", "field", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_distributions_say_why(text: str, field: Field, message: str) -> None:
    with pytest.raises(DistributionError) as err:
        parse_distribution(text, field)
    assert message in str(err.value)


def test_the_nominal_scenario_is_at_the_medians_and_realisations_validate() -> None:
    u = load_uncertain(
        "korea",
        ["noise.miss=beta(2,30)", "roadmap.stages[0].exit.calm_rounds=triangular(2,3,9)"],
    )
    assert u.paths == ("roadmap.stages[trust_building].exit.calm_rounds", "noise.miss")
    assert u.nominal.noise.miss == pytest.approx(stats.beta(2, 30).median())
    assert u.nominal.roadmap.stages[0].exit.calm_rounds == 4
    s = u.realise([6.4, 0.2])
    assert s.roadmap.stages[0].exit.calm_rounds == 6
    assert s.noise.miss == 0.2
    with pytest.raises(ScenarioError, match=r"noise.miss: Input should be less than or equal"):
        u.realise([3, 1.5])


def test_a_scenario_without_distributions_loads_as_before() -> None:
    u = load_uncertain("korea", ["noise.miss=0.1"])
    assert u.numbers == ()
    assert u.nominal == load_with_overrides("korea", ["noise.miss=0.1"])


def test_every_problem_is_reported_at_once_with_path_and_value() -> None:
    with pytest.raises(ScenarioError) as err:
        load_uncertain(
            "korea",
            [
                "noise.miss=beta(0,30)",
                "rounds=uniform(10,20)",
                "roadmap.success.counts=beta(1,1)",
                "noise.tremble=gamma(2)",
                "utilities.discount=2",
            ],
        )
    text = str(err.value)
    assert "noise.miss: beta(a, b) needs a > 0 and b > 0 (got 'beta(0,30)')" in text
    assert "rounds: rounds cannot be uncertain: it sizes every episode's arrays" in text
    assert "roadmap.success.counts: a distribution can stand only where the scenario takes" in text
    assert "noise.tremble: unknown distribution 'gamma'" in text
    assert "utilities.discount: Input should be less than or equal to 1 (got 2)" in text
    assert err.value.count == 5  # no echo of the same problems from validation


def test_hold_rounds_may_not_be_uncertain() -> None:
    with pytest.raises(ScenarioError, match="hold_rounds cannot be uncertain: it defines"):
        load_uncertain("korea", ["roadmap.success.hold_rounds=uniform(2,5)"])


def test_free_text_that_looks_like_a_call_is_text() -> None:
    u = load_uncertain("korea", ["description=beta(2, 3)"])
    assert u.numbers == ()
    assert u.nominal.description == "beta(2, 3)"


def test_the_default_loaders_refuse_distributions_in_one_line() -> None:
    with pytest.raises(ScenarioError) as err:
        load_with_overrides("korea", ["noise.miss=beta(2,30)", "trust.forgetting=uniform(.8,.9)"])
    text = str(err.value)
    assert "\n" not in text
    assert "uncertain numbers (noise.miss=beta(2,30), trust.forgetting=uniform(.8,.9))" in text
    assert "fix each with --set PATH=VALUE" in text


def test_the_loader_of_files_refuses_them_too(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(builtin_text("korea").replace("  miss: 0.05", "  miss: beta(2, 30)", 1))
    with pytest.raises(ScenarioError, match=r"k.yaml: uncertain numbers \(noise.miss="):
        load_scenario(path)
    assert load_uncertain(path).paths == ("noise.miss",)


def test_distribution_values_are_plain_floats() -> None:
    d = Distribution("uniform", (0.0, 1.0), 0.0, 1.0, False)
    assert d.ppf(np.array([0.25]))[0] == 0.25


def test_a_call_cut_at_a_comma_by_yaml_says_to_quote_it(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    text = builtin_text("korea").replace("  miss: 0.05", "  miss: beta(2, 30)", 1)
    path.write_text(
        text.replace("{pair: [US, DPRK], trust: 0.15", "{pair: [US, DPRK], trust: beta(2, 3)", 1)
    )
    with pytest.raises(ScenarioError, match=r"quote it: 'beta\(a, b\)'"):
        load_uncertain(path)
