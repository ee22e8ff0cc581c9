"""``detente simulate`` and ``detente compare`` as a user runs them, in a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from detente.cli import app


def detente(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, timeout=300
    )


def test_simulate_json_gives_match_scores() -> None:
    run = detente(
        "simulate", "ipd", "--episodes", "1", "--rounds", "200",
        "--strategy", "A=tit_for_tat", "--strategy", "B=alternator", "--format", "json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    scores = [summary["parties"][p]["total"]["mean"] for p in ("A", "B")]
    assert scores == [498, 503]  # axelrod's TitForTat v Alternator
    assert summary["profile"] == {"A": "tit_for_tat", "B": "alternator"}


def test_simulate_table_with_overrides_and_parquet(tmp_path: Path) -> None:
    out = tmp_path / "korea.parquet"
    run = detente(
        "simulate", "korea", "--episodes", "30", "--rounds", "10", "--seed", "4",
        "--set", "noise.miss=0.1", "--strategy", "US=big_deal_first:deal=big_deal",
        "--out", str(out), "--trajectories",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "P(success)" in run.stdout
    assert "US=big_deal_first:deal=big_deal" in run.stdout
    assert pq.read_table(out).num_rows == 30
    assert pq.read_table(tmp_path / "korea.trajectories.parquet").num_rows == 300


def test_compare_reports_paired_differences() -> None:
    run = detente(
        "compare", "ipd", "--episodes", "50", "--rounds", "100", "--set", "noise.tremble=0.05",
        "--profile", "tft=A=tit_for_tat,B=tit_for_tat",
        "--profile", "gtft=A=generous_tit_for_tat,B=generous_tit_for_tat", "--format", "json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["baseline"] == "tft"
    assert data["differences"]["gtft"]["total"]["A"]["mean"] > 0
    table = detente(
        "compare", "ipd", "--episodes", "5", "--rounds", "20",
        "--profile", "base=", "--profile", "hawks=A=defect,B=defect",
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "hawks - base" in table.stdout


ERRORS = [
    (("simulate", "ipd", "--strategy", "A=tit_for_tatt"), "did you mean tit_for_tat?"),
    (("simulate", "ipd", "--strategy", "C=defect"), "no party C in scenario ipd"),
    (("simulate", "ipd", "--strategy", "A"), "expected PARTY=STRATEGY"),
    (("simulate", "ipd", "--strategy", "A=grit:patience=0"), "patience must be at least 1"),
    (("simulate", "ipd", "--set", "noise.mis=0.1"), "noise has no field 'mis'"),
    (("simulate", "ipd", "--set", "noise.miss=7"), "noise.miss: Input should be less"),
    (("simulate", "nowhere.yaml"), "no such file"),
    (("simulate", "ipd", "--format", "xml"), "--format must be one of table, json"),
    (("simulate", "ipd", "--trajectories"), "--trajectories needs --out"),
    (("compare", "ipd", "--profile", "a=A=defect"), "at least two --profile"),
    (("compare", "ipd", "--profile", "x", "--profile", "y="), "expected NAME=PARTY="),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[m for _, m in ERRORS])
def test_user_errors_exit_2_with_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(app, [*args, "--episodes", "2", "--rounds", "3"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_user_errors_print_no_traceback() -> None:
    for args in (ERRORS[0][0], ERRORS[4][0]):
        run = detente(*args, "--episodes", "2")
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert run.stderr.count("\n") <= 3, run.stderr
