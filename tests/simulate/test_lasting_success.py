"""P(success reached) and P(success held to the end), separately, through every output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.simulate.compare import compare
from detente.simulate.numbers import estimate
from detente.simulate.parquet import write_parquet
from detente.simulate.read import read_parquet
from detente.simulate.render import console, summary_view
from detente.simulate.results import Results
from detente.simulate.summary import proportion_ci


def counting(counts: str) -> CompiledScenario:
    """korea with ``--set roadmap.success.counts=...``."""
    return compile_scenario(load_with_overrides("korea", [f"roadmap.success.counts={counts}"]))


@pytest.fixture(scope="module")
def korea_runs(korea: CompiledScenario) -> tuple[Results, Results]:
    """The same episodes counted both ways: korea's own (held to the end) and ``reached``."""
    assert korea.scenario.roadmap.success.counts == "held_to_end"
    reached = simulate(counting("reached"), {}, episodes=400, rounds=40, seed=9)
    held = simulate(korea, {}, episodes=400, rounds=40, seed=9)
    return reached, held


def test_held_to_end_is_reached_and_not_lost_since(korea_runs: tuple[Results, Results]) -> None:
    r, _ = korea_runs
    assert r.success_held is not None
    assert r.success_losses is not None
    reached = r.success_round >= 0
    assert not r.success_held[~reached].any()  # never reached: never in force
    assert (r.success_losses[~reached] == 0).all()
    assert r.success_held[reached & (r.success_losses == 0)].all()  # reached, never lost
    # korea's successes mostly do not last: some are lost, and fewer are held than reached
    assert (r.success_losses > 0).any()
    assert r.success_held.sum() < reached.sum()


def test_the_summary_reports_both_and_counts_what_the_scenario_says(
    korea_runs: tuple[Results, Results],
) -> None:
    r, h = korea_runs
    s, t = r.summary(), h.summary()
    assert s.reached == proportion_ci(r.success_round >= 0)
    assert s.held_to_end == proportion_ci(r.success_held)
    assert (s.success_counts, s.success) == ("reached", s.reached)
    # the same episodes: counts changes what "success" means, not what happened
    np.testing.assert_array_equal(r.success_round, h.success_round)
    np.testing.assert_array_equal(r.success_held, h.success_held)
    assert (t.success_counts, t.success) == ("held_to_end", s.held_to_end)
    assert t.reached == s.reached
    words = t.to_dict()["definitions"]
    assert "counts held to end" in words["success"]
    assert "6 rounds in a row" in words["reached"]


def test_the_table_shows_both_with_intervals_and_meanings(
    korea_runs: tuple[Results, Results],
) -> None:
    for run, counts in zip(korea_runs, ("counts reached", "counts held to end"), strict=True):
        con = console()
        with con.capture() as cap:
            con.print(summary_view(run.summary()))
        text = " ".join(cap.get().split())
        s = run.summary()
        assert f"P(reached) {estimate(s.reached)}" in text
        assert f"P(held to end) {estimate(s.held_to_end)}" in text  # type: ignore[arg-type]
        assert counts in text
        assert "in force after the last round" in text


def test_compare_gives_paired_differences_of_both(korea: CompiledScenario) -> None:
    profiles = {"base": {}, "hawk": {"DPRK": "hawk"}}
    c = compare(korea, profiles, episodes=200, rounds=40, seed=3)
    (d,) = c.differences
    assert d.held_to_end is not None
    assert d.success == d.held_to_end, "korea counts success held to the end"
    assert d.held_to_end.mean == pytest.approx(
        c.summaries["hawk"].held_to_end.mean - c.summaries["base"].held_to_end.mean  # type: ignore[union-attr]
    )
    assert d.reached.mean == pytest.approx(
        c.summaries["hawk"].reached.mean - c.summaries["base"].reached.mean
    )
    assert {"held_to_end", "reached"} <= set(c.to_dict()["differences"]["hawk"])
    r = compare(counting("reached"), profiles, episodes=200, rounds=40, seed=3)
    (e,) = r.differences
    assert e.success == e.reached, "with --set roadmap.success.counts=reached"
    assert (e.reached, e.held_to_end) == (d.reached, d.held_to_end), "the same episodes"


def test_parquet_keeps_both_and_old_files_still_read(
    korea_runs: tuple[Results, Results], tmp_path: Path
) -> None:
    _, h = korea_runs
    out = tmp_path / "r.parquet"
    write_parquet(h, out)
    back = read_parquet(out)
    np.testing.assert_array_equal(back.success_held, h.success_held)
    np.testing.assert_array_equal(back.success_losses, h.success_losses)
    assert (back.success_counts, back.hold_rounds) == ("held_to_end", 6)
    assert back.summary() == h.summary()

    # a file written before these columns existed: the old columns, the old metadata
    table = pq.read_table(out)
    meta = json.loads(table.schema.metadata[b"detente"])
    del meta["success_counts"], meta["hold_rounds"]
    old = table.drop_columns(["success_held", "success_losses"])
    old = old.replace_schema_metadata({b"detente": json.dumps(meta).encode()})
    pq.write_table(old, out)
    r = read_parquet(out)
    assert r.success_held is None
    assert r.success_counts == "reached"
    summary = r.summary()
    assert summary.held_to_end is None
    assert summary.success == summary.reached == h.summary().reached
    con = console()
    with con.capture() as cap:
        con.print(summary_view(summary))
    assert "P(held to end) -" in " ".join(cap.get().split())


def test_succeeded_is_the_counted_success_episode_by_episode() -> None:
    import dataclasses

    for counts in ("reached", "held_to_end"):
        results = simulate(counting(counts), {}, episodes=300, rounds=40, seed=4)
        assert results.succeeded.mean() == results.summary().success.mean
    held = simulate(counting("held_to_end"), {}, episodes=50, rounds=40, seed=4)
    unrecorded = dataclasses.replace(held, success_held=None)
    with pytest.raises(ValueError, match="do not record it"):
        _ = unrecorded.succeeded
