"""Outputs: paths checked before any work, CSV beside Parquet, quiet and piped progress,
and streamed summaries equal to the in-memory ones."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.engine import CompiledScenario
from detente.simulate import progress as progress_module
from detente.simulate import simulate
from detente.simulate.stream import simulate_summary

MISSING = "/nonexistent/folder/x"


def _no_work(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the work started before the output path was checked")


@pytest.mark.parametrize(
    ("args", "target", "message"),
    [
        (["simulate", "ipd", "--out", f"{MISSING}.parquet"], "detente.simulate.commands.simulate",
         "folder /nonexistent/folder does not exist"),
        (["simulate", "ipd", "--out", "."], "detente.simulate.commands.simulate", "is a folder"),
        (["sweep", "ipd", "--grid", "noise.miss=0,0.1", "--out", f"{MISSING}.parquet"],
         "detente.sweep.commands.sweep", "does not exist"),
        (["bargain", "korea", "--solution", "nash", "--as-deal", "d", "--out", f"{MISSING}.yaml"],
         "detente.bargain.commands.bargain_from_scenario", "does not exist"),
        (["report", "r.parquet", "--out", f"{MISSING}.html"], "detente.report.build.load_runs",
         "does not exist"),
        (["report", "r.parquet", "--png", "/proc/version/png"], "detente.report.build.load_runs",
         "--png"),
        (["replay", "korea", "--events", "korea", "--out", f"{MISSING}.parquet"],
         "detente.simulate.replay_commands.replay_record", "does not exist"),
        (["replay", "korea", "--events", "korea", "--report", f"{MISSING}.html"],
         "detente.simulate.replay_commands.replay_record", "--report"),
        (["backtest", "korea", "--events", "korea", "--cut", "2018-06-01", "--out",
          f"{MISSING}.html"], "detente.backtest.commands.backtest", "does not exist"),
    ],
)  # fmt: skip
def test_an_output_path_is_refused_before_any_work(
    args: list[str], target: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(target, _no_work)
    monkeypatch.setattr("detente.simulate.commands.simulate_summary", _no_work)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1


def test_csv_by_suffix_has_the_parquet_columns(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(
        app, ["simulate", "ipd", "--episodes", "5", "--rounds", "6", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 5
    assert {"episode", "final_stage", "total_A", "rounds_in_cooperation"} <= set(rows[0])
    assert rows[0]["final_stage"] in ("mistrust", "cooperation")


def test_a_streamed_summary_is_the_in_memory_one(ipd: CompiledScenario) -> None:
    profile = {"A": "random:p=0.9", "B": "tit_for_tat"}
    whole = simulate(ipd, profile, 70, 30, seed=2, chunk=20).summary()
    streamed = simulate_summary(ipd, profile, 70, 30, seed=2, chunk=20)
    assert streamed.to_dict() | {"parties": None} == whole.to_dict() | {"parties": None}
    for a, b in zip(streamed.parties, whole.parties, strict=True):
        assert a.total.mean == pytest.approx(b.total.mean)
        assert a.total.high == pytest.approx(b.total.high)
    # one chunk (the tally's blocks are larger): the same bits, episode for episode
    assert simulate_summary(ipd, profile, 70, 30, seed=2, chunk=70).to_dict() == whole.to_dict()


def test_piped_progress_writes_plain_lines_and_an_estimate(
    ipd: CompiledScenario, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress_module, "PROGRESS_FROM", 1)
    monkeypatch.setattr(progress_module, "EVERY", 0.0)
    monkeypatch.setattr(progress_module, "PACE_AFTER", 0.0)
    monkeypatch.setattr(progress_module, "ESTIMATE_FROM", 0.0)
    with progress_module.progress(200 * 40, 10**6, quiet=False) as meter:
        simulate(ipd, {}, 200, 40, chunk=50, progress=meter)
    err = capsys.readouterr().err
    assert err.startswith("estimate: about ")
    assert "memory about" in err
    assert "simulating: " in err
    assert "episode-rounds), about" in err
    with progress_module.progress(200 * 40, 10**6, quiet=True) as meter:
        assert meter is None


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "ipd", "--episodes", "30000", "--rounds", "3"],
        ["best-response", "ipd", "--party", "A", "--episodes", "3000", "--rounds", "3"],
    ],
    ids=["simulate", "best-response"],
)
def test_quiet_prints_nothing_on_stderr(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    for name in ("PROGRESS_FROM", "EVERY", "PACE_AFTER", "ESTIMATE_FROM"):
        monkeypatch.setattr(progress_module, name, 0)
    loud = CliRunner().invoke(app, args)
    assert loud.exit_code == 0, loud.output
    assert "estimate: about" in loud.stderr
    quiet = CliRunner().invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
