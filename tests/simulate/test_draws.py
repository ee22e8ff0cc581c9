"""Runs over draws of uncertain numbers: exact addressing, batch equivalence, common random
numbers, the record replayed per draw, and the posterior source."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from detente.engine.rng import STREAM_PARAMETER, draw
from detente.record.events import bundled_record
from detente.record.mapping import map_record
from detente.record.rules import load_mapping, mapping_path
from detente.scenario.compiled import compile_scenario
from detente.scenario.posterior import POSTERIOR_FORMAT, PosteriorError
from detente.scenario.uncertain import UncertainScenario, load_uncertain
from detente.simulate import simulate
from detente.simulate.draws import simulate_draws
from detente.simulate.draws_commands import compare_draws
from detente.simulate.parameters import (
    POSTERIOR_KEY,
    Distributions,
    ParameterError,
    Posterior,
    addressed,
    path_code,
    read_posterior,
)
from detente.simulate.replay_commands import replay_record
from detente.simulate.results import Results

IPD = ["rounds=20", "noise.miss=beta(2,20)", "trust.forgetting=uniform(0.6,0.95)"]
PROFILE = {"A": "random", "B": "tit_for_tat"}  # B sees A's defections through the noise


@pytest.fixture(scope="module")
def ipd() -> UncertainScenario:
    return load_uncertain("ipd", IPD)


def _same(a: Results, b: Results) -> None:
    for f in dataclasses.fields(Results):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y), f.name


def test_a_draw_is_the_inverse_cdf_of_the_uniform_at_its_address(ipd: UncertainScenario) -> None:
    values = Distributions(ipd.numbers).values(11, np.array([3, 7]))
    for i, d in enumerate((3, 7)):
        for j, n in enumerate(ipd.numbers):
            u = draw(np.uint64(11), d, 0, STREAM_PARAMETER, path_code(n.path), 0)
            assert values[i, j] == n.distribution.ppf(np.array([u]))[0]
    assert STREAM_PARAMETER == 4
    assert path_code("noise.miss") < 1 << 24


def test_a_draws_values_depend_only_on_seed_and_draw(ipd: UncertainScenario) -> None:
    source = Distributions(ipd.numbers)
    all_ten = source.values(5, np.arange(10))
    assert np.array_equal(source.values(5, np.array([6, 2])), all_ten[[6, 2]])
    # and not on the other uncertain numbers of the run
    alone = Distributions(ipd.numbers[1:]).values(5, np.arange(10))
    assert np.array_equal(alone[:, 0], all_ten[:, 1])
    assert not np.array_equal(source.values(6, np.arange(10)), all_ten)  # the seed matters
    assert len(np.unique(all_ten[:, 0])) == 10


def test_batch_equivalence_with_distributions(ipd: UncertainScenario) -> None:
    """One call, small chunks, and the run split in two by ``first_episode`` give every
    episode the same draw, the same dice and the same results."""
    source = Distributions(ipd.numbers)
    whole = simulate_draws(ipd, source, PROFILE, 60, 6, seed=3, keep=True)
    chunked = simulate_draws(ipd, source, PROFILE, 60, 6, seed=3, keep=True, chunk=7)
    head = simulate_draws(ipd, source, PROFILE, 25, seed=3, per_draw=10, keep=True)
    tail = simulate_draws(
        ipd, source, PROFILE, 35, seed=3, per_draw=10, first_episode=25, keep=True
    )
    assert whole.results is not None
    assert chunked.results is not None
    assert head.results is not None
    assert tail.results is not None
    _same(whole.results, chunked.results)
    _same(whole.results.rows(slice(0, 25)), head.results)
    _same(whole.results.rows(slice(25, 60)), tail.results)
    assert np.array_equal(tail.values, whole.values[2:])  # draws 2..5 (draw 2 is split)
    assert whole.pooled == chunked.pooled
    assert [t.n for t in whole.tallies] == [10] * 6


def test_each_draw_plays_its_own_scenario(ipd: UncertainScenario) -> None:
    """Draw d's episodes are a plain simulation of the scenario at draw d's values, episode ids
    from d * M: what the run reports for a draw is what that scenario gives."""
    run = simulate_draws(ipd, Distributions(ipd.numbers), PROFILE, 30, 3, seed=2, keep=True)
    assert run.results is not None
    assert run.episodes_per_draw == 10
    for d in range(3):
        compiled = compile_scenario(ipd.realise(run.values[d]))
        alone = simulate(compiled, PROFILE, 10, 20, 2, first_episode=10 * d)
        _same(run.results.rows(slice(10 * d, 10 * d + 10)), alone)
        assert run.tallies[d].summary() == alone.summary()
    nominal = simulate(compile_scenario(ipd.nominal), PROFILE, 30, 20, 2)
    assert not np.array_equal(run.results.total, nominal.total)  # the draws' numbers matter


def test_profiles_meet_the_same_draws_and_noise(ipd: UncertainScenario) -> None:
    """Common random numbers: a profile compared with itself differs by exactly 0 in every
    episode, and two profiles see the same draws."""
    same = compare_draws(ipd, {"a": PROFILE, "b": PROFILE}, 40, 4, None, 9)
    d = same.differences[0]
    assert d.success.mean == 0
    assert d.success.low == d.success.high == 0
    assert all(e.mean == 0 and e.low == 0 for e in d.total.values())
    other = {"A": "random", "B": "grim_trigger"}
    runs = [
        simulate_draws(ipd, Distributions(ipd.numbers), p, 40, 4, seed=9) for p in (PROFILE, other)
    ]
    assert np.array_equal(runs[0].values, runs[1].values)
    assert runs[0].pooled != runs[1].pooled


def test_each_draw_replays_the_record_under_its_own_numbers() -> None:
    u = load_uncertain("korea", ["noise.miss=beta(2,30)"])
    nominal = compile_scenario(u.nominal)
    mapped = map_record(
        nominal, bundled_record("korea"), load_mapping(mapping_path("korea"), nominal)
    )
    known = type(mapped)(mapped.rounds[:23], ())
    asked = []

    def start(compiled, episodes, first):  # type: ignore[no-untyped-def]
        asked.append((compiled.scenario.noise.miss, episodes, first))
        return replay_record(compiled, known, seed=5, episodes=episodes, first_episode=first)

    run = simulate_draws(u, Distributions(u.numbers), None, 16, 2, 3, 5, start=start, keep=True)
    assert run.results is not None
    assert asked == [(run.values[0, 0], 8, 0), (run.values[1, 0], 8, 8)]
    for d in range(2):
        compiled = compile_scenario(u.realise(run.values[d]))
        played = replay_record(compiled, known, seed=5, episodes=8, first_episode=8 * d)
        alone = simulate(compiled, None, 8, 3, 5, start=played, first_episode=8 * d)
        _same(run.results.rows(slice(8 * d, 8 * d + 8)), alone)


def test_a_draws_replay_has_the_perception_noise_of_its_own_episodes() -> None:
    """Episodes 8..15 replayed are episodes 8..15 of one replay of 0..15, not a second copy of
    0..7: draws do not share the replay's dice."""
    compiled = compile_scenario(load_uncertain("korea", ["noise.miss=0.3"]).nominal)
    mapped = map_record(
        compiled, bundled_record("korea"), load_mapping(mapping_path("korea"), compiled)
    )
    known = type(mapped)(mapped.rounds[:23], ())
    whole = replay_record(compiled, known, seed=5, episodes=16).final
    second = replay_record(compiled, known, seed=5, episodes=8, first_episode=8).final
    again = replay_record(compiled, known, seed=5, episodes=8).final
    assert np.array_equal(second.trust, whole.trust[8:])
    assert not np.array_equal(second.trust, again.trust)


def _posterior(tmp_path: Path, **changes: object) -> Path:
    doc = {
        "format": POSTERIOR_FORMAT,
        "scenario": "ipd",
        "paths": ["noise.miss", "trust.forgetting"],
        "samples": [[0.01, 0.9], [0.2, 0.7], [0.3, 0.8]],
        "weights": [0.7, 0.3, 0.0],
    }
    doc.update(changes)
    path = tmp_path / "fit.json"
    path.write_text(json.dumps({k: v for k, v in doc.items() if v is not None}))
    return path


def test_a_posterior_resamples_by_weight_at_the_draws_address(tmp_path: Path) -> None:
    base = load_uncertain("ipd", ["rounds=20"])
    post = read_posterior(_posterior(tmp_path), base)
    assert post.paths == ("noise.miss", "trust.forgetting")
    assert post.describe() == ("posterior (fit.json)",) * 2
    picks = post.picks(4, np.arange(4000))
    share = np.bincount(picks, minlength=3) / 4000
    assert share[2] == 0
    assert abs(share[0] - 0.7) < 0.03
    u = draw(np.uint64(4), 17, 0, STREAM_PARAMETER, path_code(POSTERIOR_KEY), 0)
    assert picks[17] == (0 if u < 0.7 else 1)
    assert np.array_equal(post.values(4, np.array([17])), post.samples[[picks[17]]])
    run = simulate_draws(base, post, PROFILE, 20, 4, seed=4)
    assert np.array_equal(run.values, post.samples[picks[:4]])


BAD_POSTERIORS = [
    ({"format": None}, 'no format tag (expected "format": "detente-posterior/1")'),
    ({"format": "pyabc/2"}, "unknown format 'pyabc/2'"),
    ({"paths": ["noise.mis", "trust.forgetting"]}, "paths[0]: noise.mis: noise has no key 'mis'"),
    ({"paths": ["noise", "trust.forgetting"]}, "paths[0]: noise: not a number of the scenario"),
    ({"samples": [[0.01, 0.9], [1.5, 0.7], [0.3, 0.8]]}, "samples[1][0]: noise.miss = 1.5 is"),
    ({"weights": [0.7, -0.3, 0.0]}, "weights[1]: a weight cannot be negative (got -0.3)"),
    ({"weights": [1.0]}, "weights: 1 weights for 3 samples"),
    ({"samples": [[0.01], [0.2], [0.3]]}, "samples[0]: has 1 values for 2 paths"),
    ({"paths": ["rounds", "noise.miss"]}, "paths[0]: rounds: rounds cannot be uncertain"),
    ({"samples": [[0.01, 0.9], [0.2, None], [0.3, 0.8]]}, "samples[1][1]: not a finite number"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_POSTERIORS)
def test_bad_posterior_files_name_the_file_and_the_problem(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = _posterior(tmp_path, **changes)
    with pytest.raises(PosteriorError) as err:
        read_posterior(path, load_uncertain("ipd"))
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_a_posterior_invalid_as_a_scenario_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fit.json"
    path.write_text("{not json")
    with pytest.raises(PosteriorError, match=r"fit\.json: not JSON"):
        read_posterior(path, load_uncertain("ipd"))


def test_a_posterior_has_plain_samples() -> None:
    p = Posterior("x.json", ("noise.miss",), np.array([[0.1], [0.2]]), np.array([0.0, 1.0]))
    assert np.array_equal(p.values(0, np.arange(5)), np.full((5, 1), 0.2))


def test_two_paths_of_one_address_are_refused() -> None:
    seen: dict[int, str] = {}
    for i in range(20_000):  # 24-bit codes: a collision is all but certain among these
        text = f"utilities.parties.P{i}.base"
        code = path_code(text)
        if code in seen:
            first = seen[code]
            break
        seen[code] = text
    else:
        pytest.fail("no collision among 20,000 paths")
    with pytest.raises(ParameterError, match="share a draw address"):
        addressed(0, np.array([0]), [first, text])
    assert addressed(0, np.array([0]), [first]).shape == (1, 1)
