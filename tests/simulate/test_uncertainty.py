"""A forecast in draws: the cluster Monte Carlo interval, the noise-corrected parameter interval,
the rank correlations, and their JSON, tables, files and report section.

The estimators are checked on synthetic per-draw data whose truth is known
(a Bernoulli rate drawn from a beta, a normal mean); the wiring on small
``ipd`` runs built by hand, one ``--set`` value per draw, as the runner in
draws will build them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import reduce
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy.stats import beta

from detente.scenario.compiled import compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.simulate.clustered import (
    cluster_mean,
    cluster_share,
    clustered_mean_ci,
    clustered_summary,
)
from detente.simulate.draws import DrawnRun
from detente.simulate.numbers import INTERVALS
from detente.simulate.read import ResultsFileError
from detente.simulate.summary import MONTE_CARLO_ONLY, Estimate, mean_ci, proportion
from detente.simulate.tally import Tally
from detente.simulate.uncertainty import (
    NOISE_LIMIT,
    DrawTable,
    draw_table,
    parameter_interval,
    rank_correlation,
    spread_of,
    spread_of_table,
    uncertain_summary,
)
from detente.simulate.uncertainty_files import read_draws, write_draws
from detente.simulate.uncertainty_view import shown_draws, uncertain_view

ROUNDS = 30
SEED = 3


def drawn(settings: list[list[str]], per_draw: int, described: tuple[str, ...]) -> DrawnRun:
    """``ipd`` played once per entry of ``settings`` (its ``--set`` overrides), ``per_draw``
    episodes each, episode ids ``d * per_draw`` on: a run in draws built by hand."""
    tallies = []
    for d, overrides in enumerate(settings):
        compiled = compile_scenario(load_with_overrides("ipd", overrides))
        r = simulate(
            compiled, episodes=per_draw, rounds=ROUNDS, seed=SEED, first_episode=d * per_draw
        )
        tallies.append(Tally.of(r))
    values = np.array([[float(s.partition("=")[2]) for s in o] for o in settings])
    paths = tuple(s.partition("=")[0] for s in settings[0])
    pooled = reduce(Tally.merge, tallies).summary()
    return DrawnRun(paths, described, values, tuple(tallies), per_draw, pooled)


@pytest.fixture(scope="module")
def varied() -> DrawnRun:
    """False alarms from 0 to 0.15 over 16 draws (P(success) from about 1 to 0.05), and a
    forgetting rate drawn independently of it."""
    rng = np.random.default_rng(5)
    alarms, forgetting = rng.uniform(0, 0.15, 16), rng.uniform(0.85, 0.95, 16)
    settings = [
        [f"noise.false_alarm={a}", f"trust.forgetting={f}"]
        for a, f in zip(alarms, forgetting, strict=True)
    ]
    return drawn(settings, 150, ("uniform(0, 0.15)", "uniform(0.85, 0.95)"))


@pytest.fixture(scope="module")
def alike() -> DrawnRun:
    """Forty draws with the same numbers: whatever spreads across them is Monte Carlo noise."""
    return drawn([["noise.false_alarm=0.03"]] * 40, 150, ("0.03",))


def synthetic(means: np.ndarray, per_draw: int, rng: np.random.Generator) -> DrawTable:
    """A per-draw table whose draws have true P(success) ``means``: each draw's share is
    binomial over ``per_draw`` episodes; payoffs normal around 10 * the true rate, sd 6."""
    K = len(means)
    shares = rng.binomial(per_draw, means) / per_draw
    payoff = 10 * means + rng.normal(0, 6 / np.sqrt(per_draw), K)
    sd = 6 * np.sqrt(rng.chisquare(per_draw - 1, K) / (per_draw - 1))
    return DrawTable(
        scenario="synthetic",
        seed=0,
        rounds=1,
        success_counts="reached",
        episodes_per_draw=per_draw,
        first_draw=0,
        paths=("rate",),
        described=("beta",),
        stages=("start", "goal"),
        parties=("A",),
        values=means[:, None],
        episodes=np.full(K, per_draw, dtype=np.int64),
        reached=shares,
        held_to_end=None,
        stall=np.zeros(K),
        final_stage=np.stack([1 - shares, shares], axis=1),
        discounted=payoff[:, None],
        discounted_sd=sd[:, None],
    )


def test_corrected_quantiles_approach_the_beta_and_the_raw_ones_are_wider() -> None:
    rng = np.random.default_rng(0)
    t = synthetic(rng.beta(2, 5, 3000), 50, rng)
    s = spread_of_table(t, level=0.9).success
    truth = beta.ppf([0.05, 0.95], 2, 5)  # 0.063, 0.582
    assert s.parameter is not None
    assert s.parameter.low == pytest.approx(truth[0], abs=0.02)
    assert s.parameter.high == pytest.approx(truth[1], abs=0.02)
    assert s.between_sd == pytest.approx(beta.std(2, 5), rel=0.05)
    raw_low, raw_high = s.uncorrected
    assert raw_high - raw_low > s.parameter.high - s.parameter.low + 0.02
    raw_error = abs(raw_low - truth[0]) + abs(raw_high - truth[1])
    assert abs(s.parameter.low - truth[0]) + abs(s.parameter.high - truth[1]) < raw_error


def test_a_payoffs_parameter_interval_takes_out_its_within_draw_noise() -> None:
    rng = np.random.default_rng(1)
    t = synthetic(rng.beta(2, 5, 3000), 25, rng)  # payoff: 10 x rate, noise sd 6 / 5
    s = spread_of_table(t).outcomes[-1]
    assert s.key == "discounted.A"
    assert s.parameter is not None
    assert s.parameter.low == pytest.approx(10 * beta.ppf(0.05, 2, 5), abs=0.25)
    assert s.parameter.high == pytest.approx(10 * beta.ppf(0.95, 2, 5), abs=0.25)
    assert s.uncorrected[1] - s.uncorrected[0] > s.parameter.high - s.parameter.low + 0.5


def test_identical_draws_give_a_parameter_interval_about_the_pooled_value() -> None:
    rng = np.random.default_rng(2)
    t = synthetic(np.full(200, 0.3), 5000, rng)
    s = spread_of_table(t).success
    assert s.parameter is not None
    assert s.parameter.low is not None
    assert s.parameter.high is not None
    assert s.parameter.low == pytest.approx(0.3, abs=0.01)
    assert s.parameter.high == pytest.approx(0.3, abs=0.01)
    raw = s.uncorrected[1] - s.uncorrected[0]
    assert s.parameter.high - s.parameter.low < 0.7 * raw


def test_the_noise_of_identical_simulated_draws_is_flagged(alike: DrawnRun) -> None:
    s = spread_of(alike)
    success = s.success
    assert success.noise_share is not None
    assert success.noise_share > NOISE_LIMIT
    assert success.noisy
    assert any("Too few episodes per draw" in w and "P(success)" in w for w in s.warnings)
    assert success.parameter is not None
    assert success.parameter.low is not None
    assert success.parameter.low <= success.forecast.mean <= (success.parameter.high or 0)
    assert success.parameter.high - success.parameter.low < 0.8 * (
        success.uncorrected[1] - success.uncorrected[0]
    )


def test_the_cluster_interval_is_wider_than_the_binomial_when_draws_differ(
    varied: DrawnRun, alike: DrawnRun
) -> None:
    def width(e: Estimate) -> float:
        assert e.low is not None
        assert e.high is not None
        return e.high - e.low

    differ = spread_of(varied).success
    assert differ.design_effect is not None
    assert differ.design_effect > 5
    assert width(differ.forecast) > 2 * width(differ.independent)
    same = spread_of(alike).success
    assert width(same.independent) <= width(same.forecast) < 1.3 * width(same.independent)


def test_the_cluster_variance_of_equal_draws_is_their_variance_over_k() -> None:
    rng = np.random.default_rng(3)
    sizes = np.full(20, 100, dtype=np.int64)
    hits = rng.binomial(100, rng.uniform(0.2, 0.8, 20))
    _, effect = cluster_share(sizes, hits)
    p = hits.sum() / 2000
    variance = np.var(hits / 100, ddof=1) / 20
    assert effect == pytest.approx(variance / (p * (1 - p) / 2000))
    means, sds = rng.normal(0, 1, 20), np.full(20, 2.0)
    m, _ = cluster_mean(sizes, means, sds)
    half = (m.high - m.low) / 2
    assert half == pytest.approx(2.093024 * np.sqrt(np.var(means, ddof=1) / 20), rel=1e-5)


def test_the_cluster_interval_covers_the_mean_over_the_numbers_and_the_binomial_does_not() -> None:
    """400 runs of 40 draws x 100 episodes, rates from beta(2, 5): the 95% cluster interval
    covers the mean rate 2/7 about 95% of the time, the binomial one under half of it."""
    clustered = independent = 0
    for rep in range(400):
        rng = np.random.default_rng(100 + rep)
        hits = rng.binomial(100, rng.beta(2, 5, 40))
        e, _ = cluster_share(np.full(40, 100, dtype=np.int64), hits)
        f = proportion(int(hits.sum()), 4000)
        clustered += e.low <= 2 / 7 <= e.high
        independent += f.low <= 2 / 7 <= f.high
    assert 0.91 <= clustered / 400 <= 0.98
    assert independent / 400 < 0.6


def test_the_clustered_summary_keeps_the_estimates_and_widens_the_intervals(
    varied: DrawnRun,
) -> None:
    s, pooled = clustered_summary(varied), varied.pooled
    assert s.success.mean == pooled.success.mean
    assert s.stall.mean == pooled.stall.mean
    assert [st.reached.mean for st in s.stages] == [st.reached.mean for st in pooled.stages]
    for a, b in zip(s.parties, pooled.parties, strict=True):
        assert a.discounted.mean == pytest.approx(b.discounted.mean, rel=1e-12)
        assert a.total.mean == pytest.approx(b.total.mean, rel=1e-12)
        assert a.discounted.high - a.discounted.low > b.discounted.high - b.discounted.low
    assert s.success.high - s.success.low > pooled.success.high - pooled.success.low
    assert s.success == spread_of(varied).success.forecast


def test_the_false_alarm_rate_moves_success_most(varied: DrawnRun) -> None:
    s = spread_of(varied)
    first, second = s.influence
    assert first.path == "noise.false_alarm"
    assert first.rank_correlation is not None
    assert first.rank_correlation < -0.8
    assert second.rank_correlation is not None
    assert abs(second.rank_correlation) < abs(first.rank_correlation)
    assert rank_correlation(np.ones(5), np.arange(5.0)) is None
    assert rank_correlation(np.array([1.0, 2, 2, 3]), np.array([1.0, 3, 3, 4])) == pytest.approx(1)


def test_the_per_draw_table_follows_the_tallies(varied: DrawnRun) -> None:
    t = draw_table(varied)
    assert t.draws == 16
    assert t.paths == ("noise.false_alarm", "trust.forgetting")
    for d, tally in enumerate(varied.tallies):
        s = tally.summary()
        assert t.success[d] == s.success.mean
        assert t.stall[d] == s.stall.mean
        assert t.final_stage[d, 1] == s.horizon.final_stage["cooperation"].mean
        assert t.discounted[d, 0] == s.parties[0].discounted.mean
    np.testing.assert_array_equal(t.values, varied.values)


def test_too_few_draws_or_episodes_say_so() -> None:
    rng = np.random.default_rng(4)
    one = spread_of_table(synthetic(np.array([0.4]), 100, rng))
    assert one.success.forecast.low is None
    assert one.success.parameter is None
    assert len(one.warnings) == 1
    assert "One draw" in one.warnings[0]
    single = spread_of_table(synthetic(rng.uniform(0, 1, 300), 2, rng))
    assert single.success.parameter is not None  # two episodes per draw: told, if noisily
    lone = synthetic(rng.uniform(0, 1, 300), 2, rng)
    ones = replace(lone, episodes=np.ones(300, dtype=np.int64))
    assert spread_of_table(ones).success.parameter is None
    assert any("One episode per draw" in w for w in spread_of_table(ones).warnings)
    few = spread_of_table(synthetic(rng.uniform(0, 1, 30), 400, rng))
    assert any("Only 30 draws" in w for w in few.warnings)
    with pytest.raises(ValueError, match="level"):
        spread_of_table(lone, level=1.0)
    assert parameter_interval(np.ones(1), np.zeros(1), 1.0, 0.9) == (None, None, None)


def test_the_json_round_trips_and_says_what_each_interval_covers(varied: DrawnRun) -> None:
    u = uncertain_summary(varied)
    d = u.to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back["uncertainty"] == d["uncertainty"]
    assert "clustered" in d["notes"]["intervals"]
    spread = d["uncertainty"]
    assert spread["draws"] == 16
    assert spread["episodes_per_draw"] == 150
    assert set(spread["outcomes"]) >= {"success", "reached", "held_to_end", "stall"}
    assert "final_stage.cooperation" in spread["outcomes"]
    assert "discounted.A" in spread["outcomes"]
    success = spread["outcomes"]["success"]
    assert success["parameter"]["low"] < success["forecast"]["low"]
    assert "not a Sobol index" in spread["influence"]["measure"]
    assert len(spread["draws_table"]) == 16
    assert spread["draws_table"][3]["values"]["noise.false_alarm"] == varied.values[3, 0]
    assert {"outcomes.*.parameter", "outcomes.*.forecast", "influence"} <= set(spread["meanings"])
    assert spread["words"] == u.words()


def test_the_words_name_both_intervals_with_their_numbers(varied: DrawnRun) -> None:
    u = uncertain_summary(varied)
    words = u.words()
    assert "The Monte Carlo interval (" in words
    assert "The parameter interval covers" in words
    assert "2,400 episodes (16 draws" in words
    assert "noise.false_alarm ~ uniform(0, 0.15)" in words
    assert "90% of their draws" in words


def test_the_plain_summary_says_its_interval_ignores_the_numbers(varied: DrawnRun) -> None:
    notes = varied.pooled.to_dict()["notes"]["intervals"]
    assert "Monte Carlo error only" in notes
    assert MONTE_CARLO_ONLY in notes
    assert MONTE_CARLO_ONLY in INTERVALS  # the table's line, from the same sentence


def test_the_view_fits_80_columns_and_shows_both_intervals(varied: DrawnRun) -> None:
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(uncertain_view(uncertain_summary(varied)))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "the 95% interval of the Monte Carlo error of the forecast averaged" in text
    assert "parameter" in text
    assert "interval (90%)" in text
    assert "noise.false_alarm" in text
    assert "not a Sobol index" in text
    order = shown_draws(draw_table(varied).success)
    assert len(order) == 9
    assert draw_table(varied).success[order].tolist() == sorted(
        draw_table(varied).success[order].tolist()
    )


def test_the_per_draw_table_round_trips_through_parquet_and_csv(
    varied: DrawnRun, tmp_path: Path
) -> None:
    import pyarrow.csv as pacsv

    t = draw_table(varied)
    back = read_draws(str(write_draws(t, tmp_path / "draws.parquet")))
    for name in ("values", "episodes", "reached", "held_to_end", "stall", "final_stage"):
        np.testing.assert_array_equal(getattr(back, name), getattr(t, name))
    np.testing.assert_array_equal(back.discounted_sd, t.discounted_sd)
    assert (back.paths, back.described, back.stages) == (t.paths, t.described, t.stages)
    assert spread_of_table(back).outcomes == spread_of_table(t).outcomes
    csv = pacsv.read_csv(write_draws(t, tmp_path / "draws.csv"))
    assert csv.column_names[:4] == ["draw", "noise.false_alarm", "trust.forgetting", "episodes"]
    np.testing.assert_array_equal(csv.column("success").to_numpy(), t.success)
    simulate_file = tmp_path / "run.parquet"
    from detente.simulate.parquet import write_parquet

    write_parquet(simulate(compile_scenario(load_with_overrides("ipd")), episodes=3), simulate_file)
    with pytest.raises(ResultsFileError, match="not a per-draw table"):
        read_draws(simulate_file)


def test_the_report_section_renders(varied: DrawnRun) -> None:
    from detente.report.uncertainty import draws_page, draws_section

    section = draws_section(draw_table(varied))
    assert section.plots[0].png.startswith(b"\x89PNG")
    assert "The parameter interval covers" in section.notes[0]
    page = draws_page(draw_table(varied))
    assert "parameter interval (90%)" in page
    assert "noise.false_alarm" in page
    assert "not a Sobol index" in page
    t = draw_table(varied)
    assert "<summary>Every draw (16)</summary>" in page
    s = spread_of(varied)
    assert page.count("<tr>") == 3 + len(s.outcomes) + len(s.influence) + t.draws  # 3 headers
    assert f"<td>{t.values[15, 0]:.4g}</td>" in page


def test_a_run_begun_past_draw_0_names_its_draws_by_their_ids(
    varied: DrawnRun, tmp_path: Path
) -> None:
    later = replace(varied, first_draw=7)
    u = uncertain_summary(later)
    assert [r["draw"] for r in u.to_dict()["uncertainty"]["draws_table"]] == list(range(7, 23))
    back = read_draws(write_draws(u.spread.table, tmp_path / "later.parquet"))
    assert back.first_draw == 7
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "later.parquet").column("draw").to_pylist()[0] == 7


def test_a_paired_difference_over_draws_is_as_wide_as_its_draws_say() -> None:
    """Episodes alone in their draws: the plain interval (up to t against z). Differences
    that move with the draw: far wider than the plain interval, which would pretend that
    2,000 episodes are 2,000 independent looks at 20 draws."""
    rng = np.random.default_rng(3)
    x = rng.normal(0.1, 1.0, 2000)
    alone = clustered_mean_ci(x, np.arange(2000))
    plain = mean_ci(x)
    assert alone.mean == pytest.approx(plain.mean)
    assert alone.high - alone.low == pytest.approx(plain.high - plain.low, rel=0.05)
    draws = np.repeat(np.arange(20), 100)
    moving = rng.normal(0.0, 1.0, 20)[draws] + rng.normal(0.0, 0.1, 2000)
    clustered, naive = clustered_mean_ci(moving, draws), mean_ci(moving)
    assert (clustered.high - clustered.low) > 5 * (naive.high - naive.low)
