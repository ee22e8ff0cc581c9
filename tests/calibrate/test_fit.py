"""The pieces of the ABC: scales, the episode distance, the share acceptance, weighted quantiles."""

from __future__ import annotations

import numpy as np
import pytest

from detente.calibrate import CalibrationError
from detente.calibrate.commands import Problem, calibrate
from detente.calibrate.fit import KEY, EpisodeDistance, ShareAcceptor, scales
from detente.calibrate.posterior import weighted_quantiles
from detente.calibrate.priors import choose_priors
from detente.calibrate.statistics import statistics_of
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario
from detente.scenario.overrides import load_document


def test_scales_are_the_mad_or_else_the_sd_and_a_constant_gets_no_weight() -> None:
    pooled = np.array([[0.0, 1.0, 0.3], [1.0, 1.0, 0.3], [2.0, 1.0, 0.3], [3.0, 5.0, 0.3]])
    scale, weight = scales(pooled)
    # column 0: median 1.5, |deviations| 1.5, 0.5, 0.5, 1.5 -> MAD 1.0
    # column 1: MAD 0 (three of four equal) -> its SD, sqrt(3)
    np.testing.assert_allclose(scale, [1.0, np.sqrt(3.0), 1.0])
    np.testing.assert_array_equal(weight, [1.0, 1.0, 0.0])


def test_each_episode_is_scored_and_the_particle_by_its_closest() -> None:
    d = EpisodeDistance(scales=np.array([0.5, 2.0]), weights=np.array([1.0, 1.0]))
    x0 = {KEY: np.array([[1.0, 1.0]])}
    x = {KEY: np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 5.0]])}
    # (0, 0) -> 0; (2, 0) -> sqrt(4 / 2); (0, 2) -> sqrt(4 / 2)
    np.testing.assert_allclose(d.episodes(x, x0), [0.0, np.sqrt(2.0), np.sqrt(2.0)])
    assert d(x, x0) == 0.0


def test_a_particle_is_weighted_by_the_share_of_its_episodes_within_epsilon() -> None:
    d = EpisodeDistance(scales=np.array([1.0]), weights=np.array([1.0]))
    x0 = {KEY: np.array([[0.0]])}
    x = {KEY: np.array([[0.1], [0.5], [2.0], [3.0]])}
    result = ShareAcceptor()(d, lambda t: 1.0, x, x0, 0, None)
    assert result.accept
    assert result.weight == 0.5
    assert result.distance == 0.1
    far = ShareAcceptor()(d, lambda t: 0.05, x, x0, 0, None)
    assert not far.accept


def test_weighted_quantiles_of_equal_weights_are_the_midpoint_quantiles() -> None:
    x = np.array([4.0, 1.0, 3.0, 2.0])
    q = weighted_quantiles(x, np.ones(4), [0.125, 0.5, 0.875])
    np.testing.assert_allclose(q, [1.0, 2.5, 4.0])
    # all the weight on one value: every quantile is that value
    w = np.array([0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(weighted_quantiles(x, w, [0.05, 0.95]), [3.0, 3.0])


def test_numbers_that_move_no_statistic_are_refused_after_the_calibration_sample() -> None:
    # ipd without noise, tit for tat on both sides: nobody ever defects, whatever the trust
    doc, _ = load_document("ipd")
    priors = tuple(choose_priors(doc, "ipd", ["trust.prior_weight=uniform(1,5)"]))
    stats = statistics_of(compile_scenario(load_scenario("ipd")))
    record = np.zeros(len(stats))
    problem = Problem("ipd", doc, "ipd", priors, {}, stats, record, 6, "-", "-")
    with pytest.raises(CalibrationError, match="no summary statistic varies"):
        calibrate(problem, population=10, generations=1, episodes=2)
