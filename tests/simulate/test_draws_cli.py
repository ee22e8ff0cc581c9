"""``--draws`` and ``--posterior`` as a user runs them, and every command's refusal of
distributions it cannot draw: exit 2, one clear message naming path and value."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.scenario import builtin_text
from detente.scenario.posterior import POSTERIOR_FORMAT

SMALL = ["--episodes", "40", "--rounds", "5", "--quiet"]
MISS = ["--set", "noise.miss=beta(2,30)"]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: never for a user error
    return result.exit_code, result.stdout, result.stderr


def test_simulate_with_a_distribution_prints_the_pooled_summary_and_the_draws() -> None:
    code, out, err = cli("simulate", "korea", *SMALL, *MISS, "--draws", "4")
    assert code == 0, err
    assert "korea: 40 episodes x 5 rounds" in out
    assert "Uncertain numbers: 4 draws x 10 episodes" in out
    assert "noise.miss ~ beta(2, 30)" in out
    assert "Outcomes: the forecast, its Monte Carlo interval and its parameter interval" in out


def test_simulate_json_carries_each_draw() -> None:
    code, out, err = cli("simulate", "ipd", *SMALL, *MISS, "--draws", "8", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    block = data["uncertainty"]
    assert data["episodes"] == 40
    assert block["draws"] == 8
    assert block["episodes_per_draw"] == 5
    assert block["numbers"] == [{"path": "noise.miss", "distribution": "beta(2, 30)"}]
    assert [row["draw"] for row in block["draws_table"]] == list(range(8))
    assert len({row["values"]["noise.miss"] for row in block["draws_table"]}) == 8


def test_the_default_number_of_draws_is_100() -> None:
    code, out, _ = cli("simulate", "ipd", "--episodes", "200", "--rounds", "2", "-q", *MISS,
                       "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["uncertainty"]["draws"] == 100


def test_out_has_a_draw_column_and_the_draws_next_to_it(tmp_path: Path) -> None:
    out = tmp_path / "run.parquet"
    code, _, err = cli("simulate", "ipd", *SMALL, *MISS, "--draws", "4", "--out", str(out))
    assert code == 0, err
    episodes = pq.read_table(out).to_pydict()
    assert episodes["draw"] == [e // 10 for e in episodes["episode"]]
    draws = pq.read_table(tmp_path / "run.draws.parquet").to_pydict()
    assert draws["draw"] == [0, 1, 2, 3]
    assert len(set(draws["noise.miss"])) == 4
    assert "run.draws.parquet" in err


def test_compare_with_distributions_runs_on_common_draws() -> None:
    code, out, err = cli("compare", "ipd", *SMALL, *MISS, "--draws", "4", "--format", "json",
                         "--profile", "a=A=random", "--profile", "b=A=random")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["differences"]["b"]["success"]["mean"] == 0
    assert "clustered in their draws" in json.loads(out)["intervals"]


def test_a_posterior_file_gives_the_numbers(tmp_path: Path) -> None:
    fit = tmp_path / "fit.json"
    fit.write_text(json.dumps({"format": POSTERIOR_FORMAT, "paths": ["noise.miss"],
                               "samples": [[0.1], [0.2]], "weights": [1, 0]}))  # fmt: skip
    code, out, err = cli("simulate", "ipd", *SMALL, "--posterior", str(fit), "--format", "json")
    assert code == 0, err
    block = json.loads(out)["uncertainty"]
    assert block["numbers"] == [{"path": "noise.miss", "distribution": "posterior (fit.json)"}]
    assert block["draws"] == 40
    assert {row["values"]["noise.miss"] for row in block["draws_table"]} == {0.1}
    fit.write_text(json.dumps({"paths": ["noise.miss"], "samples": [[0.1]], "weights": [1]}))
    code, _, err = cli("simulate", "ipd", *SMALL, "--posterior", str(fit))
    assert code == 2
    assert f"{fit}: no format tag" in err
    code, _, err = cli("simulate", "ipd", *SMALL, *MISS, "--posterior", str(fit))
    assert code == 2
    assert "the scenario also has distributions (noise.miss)" in err


BAD = [
    (["--set", "noise.miss=gamma(1,2)"], "noise.miss: unknown distribution 'gamma' (known:"),
    (["--set", "noise.miss=beta(0,2)"], "noise.miss: beta(a, b) needs a > 0 and b > 0 (got"),
    (["--set", "noise.miss=normal(0,-1)"], "noise.miss: normal needs sd > 0 (got 'normal(0,-1)')"),
    (["--set", "noise.miss=uniform(0.5,1.5)"], "support [0.5, 1.5] is outside the range [0, 1]"),
    (["--set", "noise.miss=uniform(0.5,0.1)"], "uniform(low, high) needs low < high"),
    (["--set", "noise.miss=triangular(0,0.9,0.5)"], "needs the mode in [low, high]"),
    (["--set", "noise.miss=beta(2)"], "beta takes 2 parameters, beta(a, b); got 1"),
    (["--set", "noise.miss=beta(2,x)"], "the parameters of beta must be numbers"),
    (["--set", "noise.miss=normal(9,0.1)"], "has no probability in the range [0, 1]"),
    (["--set", "rounds=uniform(3,9)"], "rounds: rounds cannot be uncertain: it sizes"),
    (["--set", "roadmap.success.counts=beta(2,2)"], "can stand only where the scenario takes"),
    (["--draws", "3"], "--draws 3: the scenario has no distributions"),
    ([*MISS, "--draws", "41"], "--draws 41 is more than --episodes 40"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[b[1][:40] for b in BAD])
def test_bad_distributions_exit_2_naming_path_and_value(args: list[str], message: str) -> None:
    code, _, err = cli("simulate", "ipd", *SMALL, *args)
    assert code == 2
    assert message in err


REFUSING = [
    ["sweep", "ipd", "--grid", "noise.tremble=0,0.1", "--episodes", "5"],
    ["bargain", "korea"],
    ["best-response", "ipd", "--party", "A", "--episodes", "5"],
    ["sensitivity", "ipd", "--samples", "2"],
]


@pytest.mark.parametrize("args", REFUSING, ids=[a[0] for a in REFUSING])
def test_other_commands_refuse_distributions_in_one_line(args: list[str]) -> None:
    code, _, err = cli(*args, *MISS)
    assert code == 2
    assert err.strip().count("\n") == 0, err
    assert "uncertain numbers (noise.miss=beta(2,30)): this command needs fixed numbers" in err


@pytest.mark.parametrize(
    "args", [["run", "FILE"], ["replay", "FILE", "--events", "korea"], ["envs", "FILE"]]
)
def test_commands_reading_a_file_refuse_it_too(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(builtin_text("korea").replace("  miss: 0.05", "  miss: beta(2, 30)", 1))
    if args[0] == "envs":  # no command of its own: the environment's loader
        from detente.envs import parallel_env
        from detente.scenario import ScenarioError

        with pytest.raises(ScenarioError, match=r"uncertain numbers \(noise.miss=beta\(2, 30\)\)"):
            parallel_env(scenario=str(path))
        return
    code, _, err = cli(*[str(path) if a == "FILE" else a for a in args])
    assert code == 2
    assert f"{path}: uncertain numbers (noise.miss=beta(2, 30))" in err


def test_scenario_validate_checks_distributions(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    text = builtin_text("korea")
    path.write_text(text.replace("  miss: 0.05", "  miss: beta(2, 30)", 1))
    code, out, _ = cli("scenario", "validate", str(path))
    assert code == 0
    assert "uncertain: noise.miss" in out
    path.write_text(text.replace("  miss: 0.05", "  miss: beta(2, -3)", 1))
    code, _, err = cli("scenario", "validate", str(path))
    assert code == 2
    assert "noise.miss: beta(a, b) needs a > 0 and b > 0 (got 'beta(2, -3)')" in err


def test_compare_with_a_posterior_runs_every_profile_on_its_draws(tmp_path: Path) -> None:
    fit = tmp_path / "fit.json"
    fit.write_text(json.dumps({"format": POSTERIOR_FORMAT, "paths": ["noise.miss"],
                               "samples": [[0.0], [0.5]], "weights": [0.5, 0.5]}))  # fmt: skip
    code, out, err = cli("compare", "ipd", *SMALL, "--posterior", str(fit), "--draws", "4",
                         "--profile", "a=A=random", "--profile", "b=A=random")  # fmt: skip
    assert code == 0, err
    assert "the same 4 draws of the uncertain numbers (noise.miss)" in " ".join(out.split())
    code, out, err = cli("compare", "ipd", *SMALL, "--posterior", str(fit), "--draws", "4",
                         "--format", "json",
                         "--profile", "a=A=random", "--profile", "b=A=random")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["differences"]["b"]["success"]["mean"] == 0


def test_report_reads_the_episodes_and_the_draws_files_of_a_run(tmp_path: Path) -> None:
    out = tmp_path / "run.parquet"
    code, _, err = cli("simulate", "ipd", *SMALL, *MISS, "--draws", "4", "--out", str(out))
    assert code == 0, err
    page = tmp_path / "page.html"
    draws = tmp_path / "run.draws.parquet"
    code, _, err = cli("report", str(out), str(draws), "--out", str(page))
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert "run.draws" in html
    assert "parameter interval" in html
    code, _, err = cli("report", str(draws), "--out", str(page))
    assert code == 0, err
    assert "parameter interval" in page.read_text(encoding="utf-8")
