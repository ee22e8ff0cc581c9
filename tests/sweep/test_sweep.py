"""Sweeps: each grid point equals ``simulate`` with its overrides, whatever the chunking."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.scenario.compiled import compile_scenario
from detente.scenario.moves import NamedMove
from detente.scenario.overrides import load_with_overrides
from detente.simulate import Results, simulate
from detente.simulate.replay import ReplayPlan
from detente.sweep import SweepError, parse_axis, sweep
from detente.sweep.backends import run_local
from detente.sweep.tasks import merge, plan, run_task

FIELDS = ("episodes", "success_round", "first_reached", "final_stage", "stalls", "breakdowns")
FIELDS += ("max_stage", "final_stalled", "total", "discounted")
AXES = [parse_axis("noise.miss=0,0.1"), parse_axis("utilities.discount=0.9,0.95")]
PROFILE = {"DPRK": "random:p=0.8"}


def assert_same(a: Results, b: Results) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_each_point_equals_simulate_with_its_overrides() -> None:
    s = sweep("korea", AXES, PROFILE, episodes=90, rounds=15, seed=7, task_episodes=40)
    assert [p.settings for p in s.points] == [
        {"noise.miss": m, "utilities.discount": d} for m in ("0", "0.1") for d in ("0.9", "0.95")
    ]
    for point in s.points:
        sets = [f"{k}={v}" for k, v in point.settings.items()]
        direct = simulate(compile_scenario(load_with_overrides("korea", sets)), PROFILE, 90, 15, 7)
        assert_same(point.results, direct)
        assert point.results.summary() == direct.summary()


def test_each_point_replays_the_record_on_its_own_scenario_then_forecasts() -> None:
    record = ReplayPlan(({"DPRK": NamedMove(["nuclear_test"])}, {}), seed=2, episodes=2)
    axes = [parse_axis("trust.forgetting=0.5,0.9")]
    s = sweep("korea", axes, PROFILE, episodes=30, rounds=8, seed=7, task_episodes=11, start=record)
    finals = []
    for point in s.points:
        sets = [f"{k}={v}" for k, v in point.settings.items()]
        compiled = compile_scenario(load_with_overrides("korea", sets))
        played = record.replay(compiled)
        finals.append(played.final.trust)
        assert_same(point.results, simulate(compiled, PROFILE, 30, 8, 7, start=played))
    assert not np.array_equal(*finals)  # the record replayed on each point's numbers


def test_merging_tasks_of_any_size_gives_one_run() -> None:
    scenario = load_with_overrides("korea", ["noise.miss=0.2"])
    whole = run_task(plan(0, scenario, PROFILE, 50, 10, 3, 50)[0])
    for size in (1, 7, 23):
        tasks = plan(0, scenario, PROFILE, 50, 10, 3, size)
        assert sum(t.episodes for t in tasks) == 50
        assert_same(merge([run_task(t) for t in reversed(tasks)]), whole)


def test_local_pool_keeps_task_order() -> None:
    tasks = plan(0, load_with_overrides("ipd"), {}, 30, 20, 1, 10)
    assert [int(r.episodes[0]) for r in run_local(tasks, 2, None)] == [0, 10, 20]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("noise.mis=0,0.1", "noise has no field 'mis'"),
        ("noise.miss", "expected PATH=VALUE,VALUE"),
        ("noise.miss=0,,1", "expected PATH=VALUE,VALUE"),
        ("noise..miss=0", "cannot read the path"),
        ("roadmap.stages[nowhere].exit.calm_rounds=1,2", "no item with id 'nowhere'"),
    ],
)
def test_bad_grid_exits_2_with_a_message(grid: str, message: str) -> None:
    result = CliRunner().invoke(app, ["sweep", "korea", "--grid", grid, "--episodes", "5"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_sweep_errors_name_the_problem() -> None:
    with pytest.raises(SweepError, match="swept twice"):
        sweep("ipd", [parse_axis("noise.miss=0"), parse_axis("noise.miss=0.1")])
    with pytest.raises(SweepError, match="backend must be one of local, ray"):
        sweep("ipd", [parse_axis("noise.miss=0")], backend="dask")


def test_cli_json_and_parquet(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "sweep.parquet"
    args = [
        sys.executable, "-m", "detente", "sweep", "ipd", "--grid", "noise.tremble=0,0.1",
        "--episodes", "20", "--rounds", "30", "--workers", "2", "--task-episodes", "8",
        "--strategy", "A=generous_tit_for_tat", "--out", str(out), "--format", "json",
    ]  # fmt: skip
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["grid"] == {"noise.tremble": ["0", "0.1"]}
    first = data["points"][0]
    assert first["settings"] == {"noise.tremble": "0"}
    assert first["summary"]["parties"]["A"]["total"]["mean"] == 90  # cooperation, no noise
    table = pq.read_table(out)
    assert table.num_rows == 40
    assert table.column("grid_noise_tremble").to_pylist() == [0.0] * 20 + [0.1] * 20
    assert table.column("point").to_pylist() == [0] * 20 + [1] * 20
    assert json.loads(table.schema.metadata[b"detente"])["grid"] == data["grid"]
