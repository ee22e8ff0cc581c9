"""``detente sensitivity`` end to end on a tiny korea run, and its refusals (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from detente.cli import app

TINY = ["sensitivity", "korea", "--samples", "2", "--episodes", "60", "--format", "json", "-q"]
TINY += ["--param", "noise.false_alarm=0:0.1", "--param", "trust.forgetting"]
TINY += ["--param", "roadmap.stages[trust_building].exit.calm_rounds=1:8"]
TINY += ["--output", "success", "--output", "payoff.DPRK", "--output", "final_stage"]


def _run(*args: str) -> dict:
    result = CliRunner().invoke(app, [*TINY, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def one_worker() -> dict:
    return _run("--workers", "1", "--seed", "4")


def test_a_tiny_korea_run_ranks_every_parameter_for_every_output(one_worker: dict) -> None:
    d = one_worker
    assert d["method"] == "morris"
    assert d["model_runs"] == 2 * (3 + 1)
    assert d["episodes"] == 60
    assert set(d["outputs"]) == {"success", "payoff.DPRK", "final_stage"}
    paths = {p["path"] for p in d["parameters"]}
    for rows in d["outputs"].values():
        assert {r["parameter"] for r in rows} == paths
        stars = [r["mu_star"] for r in rows]
        assert stars == sorted(stars, reverse=True)
        assert [r["rank"] for r in rows] == [1, 2, 3]
    assert "range_note" in d
    assert d["range_note"].startswith("default ranges")


def test_the_result_does_not_depend_on_the_worker_count(one_worker: dict) -> None:
    assert _run("--workers", "2", "--seed", "4") == one_worker


def test_the_same_seed_gives_the_same_result_and_another_seed_another(one_worker: dict) -> None:
    assert _run("--workers", "1", "--seed", "4") == one_worker
    assert _run("--workers", "1", "--seed", "5")["outputs"] != one_worker["outputs"]


def test_sobol_writes_parquet_and_a_report(tmp_path: Path) -> None:
    out, report = tmp_path / "s.parquet", tmp_path / "s.html"
    args = ["sensitivity", "korea", "--method", "sobol", "--samples", "2", "--episodes", "30"]
    args += ["--param", "noise.miss=0:0.2", "--param", "noise.false_alarm=0:0.1", "-q"]
    args += ["--output", "stall", "--output", "success", "--out", str(out), "--report", str(report)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "S1_conf" in result.stdout
    assert "stall: P(stalled at least once)" in result.stdout
    assert "cost: 8 model runs x 30 episodes = 240 episodes" in result.stderr
    table = pq.read_table(out).to_pylist()
    assert {(r["output"], r["parameter"]) for r in table} == {
        (o, p) for o in ("stall", "success") for p in ("noise.miss", "noise.false_alarm")
    }
    assert all(r["ST"] == 0 and r["S1"] == 0 for r in table if r["output"] == "stall")
    assert {"rank", "S1", "S1_conf", "ST", "ST_conf", "low", "high"} <= set(table[0])
    html = report.read_text()
    assert "data:image/png;base64," in html
    assert "noise.false_alarm" in html
    assert "stall: P(stalled at least once) (the same at every point: no parameter" in html


def test_top_shows_only_the_leaders() -> None:
    args = [a for a in TINY if a not in ("--format", "json")]
    result = CliRunner().invoke(app, [*args, "--top", "1", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(" 1      ") == 3  # one row per output
    assert " 2      " not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "noise.mis=0:0.1"], "--param noise.mis: noise has no key 'mis'"),
        (["--param", "noise.miss=0:2"], "--param noise.miss=0:2: 2 is outside the range [0, 1]"),
        (["--param", "noise.miss=0.3:0.1"], "LOW must be below HIGH, got 0.3:0.1"),
        (["--output", "happiness"], "--output 'happiness': unknown; one of success, stall"),
        (["--output", "payoff.FRA"], "--output 'payoff.FRA': unknown"),
        (["--method", "anova"], "--method must be one of morris, sobol, got 'anova'"),
        (["--method", "sobol", "--samples", "10"], "power of 2, got 10"),
        (["--backend", "dask"], "--backend must be one of local, ray, got 'dask'"),
        (["--strategy", "FRA=grit"], "no party FRA"),
        (["--set", "noise.mis=0.1"], "noise.mis"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    base = ["sensitivity", "korea", "--samples", "2", "--episodes", "10"]
    result = CliRunner().invoke(app, [*base, *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "cost:" not in result.stderr  # refused before anything ran
