"""Our wiring of SALib's sampling and analysis, on functions whose indices are known.

The functions run through the same seam as scenarios (a model evaluated by a
backend over the sampled rows), so a swapped column, a row put back in the
wrong place or a mis-scaled range fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from detente.sensitivity import SensitivityError
from detente.sensitivity.analysis import problem, run_analysis, runs
from detente.sensitivity.backends import chunks, evaluate
from tests.sensitivity.models import Ishigami, Linear

PI = float(np.pi)
S1 = (0.314, 0.442, 0.0)
ST = (0.558, 0.442, 0.244)


@pytest.mark.parametrize("workers", [1, 2])
def test_sobol_on_ishigami_gives_the_known_indices(workers: int) -> None:
    prob = problem(["x1", "x2", "x3"], [(-PI, PI)] * 3)
    model = Ishigami()
    a = run_analysis(
        "sobol", prob, model.outputs, lambda X: evaluate(model, X, "local", workers), 1024, 3
    )
    (r,) = a.rankings
    assert len(a.X) == runs("sobol", 3, 1024) == 1024 * 5
    by_name = {p: i for i, p in enumerate(r.parameters)}
    s1 = [r.indices["S1"][by_name[n]] for n in ("x1", "x2", "x3")]
    st = [r.indices["ST"][by_name[n]] for n in ("x1", "x2", "x3")]
    np.testing.assert_allclose(s1, S1, atol=0.03)
    np.testing.assert_allclose(st, ST, atol=0.03)
    assert r.parameters == ("x1", "x2", "x3")  # ranked by ST
    assert all(r.indices["ST_conf"] > 0)


def test_sobol_notices_a_model_whose_columns_are_swapped() -> None:
    """The test above can fail: x1 and x3 swapped in the model moves the indices."""
    prob = problem(["x1", "x2", "x3"], [(-PI, PI)] * 3)
    model = Ishigami()
    a = run_analysis("sobol", prob, ("y",), lambda X: model(X[:, ::-1]), 1024, 3)
    (r,) = a.rankings
    assert abs(r.indices["S1"][r.parameters.index("x1")] - S1[0]) > 0.2


def test_morris_ranks_a_linear_function_by_its_weights() -> None:
    weights = (3.0, 10.0, 0.0, 1.0, -6.0)
    names = ["a", "b", "c", "d", "e"]
    prob = problem(names, [(0.0, 1.0)] * 5)
    model = Linear(weights)
    a = run_analysis("morris", prob, model.outputs, lambda X: evaluate(model, X, workers=2), 8, 1)
    assert len(a.X) == runs("morris", 5, 8) == 8 * 6
    for r in a.rankings:
        assert r.parameters == ("b", "e", "a", "d", "c")
        np.testing.assert_allclose(r.indices["mu_star"], [10, 6, 3, 1, 0], atol=1e-9)
        np.testing.assert_allclose(r.indices["sigma"], 0, atol=1e-9)
    mu = dict(zip(a.rankings[0].parameters, a.rankings[0].indices["mu"], strict=True))
    assert mu["e"] == pytest.approx(-6)
    assert mu["b"] == pytest.approx(10)


def test_morris_effects_are_per_whole_range() -> None:
    """A linear effect's mu* is its change from LOW to HIGH: weight times range width."""
    prob = problem(["a", "b"], [(0.0, 2.0), (5.0, 5.5)])
    a = run_analysis("morris", prob, ("y", "minus_y"), Linear((1.0, 3.0)), 6, 0)
    stars = dict(zip(a.rankings[0].parameters, a.rankings[0].indices["mu_star"], strict=True))
    assert stars == pytest.approx({"a": 2.0, "b": 1.5})
    assert a.rankings[0].parameters == ("a", "b")


def test_the_design_and_indices_do_not_depend_on_workers_or_chunks() -> None:
    model = Ishigami(a=2.0)
    prob = problem(["x1", "x2", "x3"], [(-PI, PI)] * 3)
    one = run_analysis("morris", prob, ("y",), lambda X: evaluate(model, X, workers=1), 6, 5)
    two = run_analysis("morris", prob, ("y",), lambda X: evaluate(model, X, workers=2), 6, 5)
    np.testing.assert_array_equal(one.X, two.X)
    np.testing.assert_array_equal(one.Y, two.Y)
    for a, b in zip(one.rankings, two.rankings, strict=True):
        assert a.parameters == b.parameters
        for k in a.indices:
            np.testing.assert_array_equal(a.indices[k], b.indices[k])
    other = run_analysis("morris", prob, ("y",), model, 6, 6)
    assert not np.array_equal(one.X, other.X)


def test_chunks_cover_every_row_once_in_order() -> None:
    for n, workers in [(1, 1), (7, 2), (100, 2), (1000, 64)]:
        parts = chunks(n, workers)
        rows = [i for p in parts for i in range(p.start, p.stop)]
        assert rows == list(range(n))


@pytest.mark.parametrize(
    ("method", "samples", "message"),
    [("anova", 8, "--method must be one of morris, sobol"), ("sobol", 12, "power of 2"),
     ("morris", 1, "at least 2")],
)  # fmt: skip
def test_a_bad_method_or_sample_count_is_refused(method: str, samples: int, message: str) -> None:
    prob = problem(["a"], [(0.0, 1.0)])
    with pytest.raises(SensitivityError, match=message):
        run_analysis(method, prob, ("y",), Linear((1.0,)), samples, 0)


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(SensitivityError, match="--backend must be one of local, ray"):
        evaluate(Linear((1.0,)), np.zeros((2, 1)), "dask")


@pytest.mark.slow
def test_ray_gives_the_local_indices() -> None:
    ray = pytest.importorskip("ray")
    prob = problem(["x1", "x2", "x3"], [(-PI, PI)] * 3)
    model = Ishigami()
    local = run_analysis("sobol", prob, ("y",), lambda X: evaluate(model, X, workers=1), 64, 2)
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 2**20)
    try:
        remote = run_analysis("sobol", prob, ("y",), lambda X: evaluate(model, X, "ray", 2), 64, 2)
    finally:
        if started:
            ray.shutdown()
    np.testing.assert_array_equal(local.Y, remote.Y)
    for k in local.rankings[0].indices:
        np.testing.assert_array_equal(local.rankings[0].indices[k], remote.rankings[0].indices[k])
