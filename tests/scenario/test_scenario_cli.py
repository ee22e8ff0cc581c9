"""``detente scenario ...`` run as a real subprocess: exit codes, output, no tracebacks.

The commands are started together, once per module, and the tests check their
results: each run pays the interpreter's start-up, so running them side by side
keeps the file fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from detente.scenario import builtin_text

MALFORMED = Path(__file__).parent / "malformed"
MANY = MALFORMED / "many_errors_at_once.yaml"
UNKNOWN_DEAL = MALFORMED / "unknown_deal_in_force.yaml"


class Run(NamedTuple):
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Cli(NamedTuple):
    runs: dict[str, Run]
    ipd_copy: Path
    missing: Path


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    tmp = tmp_path_factory.mktemp("cli")
    ipd_copy = tmp / "ipd_copy.yaml"
    ipd_copy.write_text(builtin_text("ipd"), encoding="utf-8")
    missing = tmp / "nowhere.yaml"
    commands: dict[str, list[str | Path]] = {
        "validate_all": [
            "scenario",
            "validate",
            *sorted(MALFORMED.glob("*.yaml")),
            ipd_copy,
            missing,
        ],
        "validate_valid": ["scenario", "validate", ipd_copy],
        "list": ["scenario", "list"],
        "show": ["scenario", "show", "korea"],
        "show_unknown": ["scenario", "show", "atlantis"],
        "schema": ["scenario", "schema"],
        "numbers_json": ["scenario", "numbers", "ipd", "--format", "json"],
        "numbers_none": ["scenario", "numbers", ipd_copy, "--basis", "none"],
        "numbers_bad_basis": ["scenario", "numbers", "ipd", "--basis", "guess"],
    }
    started = {
        name: subprocess.Popen(
            [sys.executable, "-m", "detente", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in commands.items()
    }
    runs = {}
    for name, proc in started.items():
        stdout, stderr = proc.communicate(timeout=120)
        runs[name] = Run(proc.returncode, stdout, stderr)
    return Cli(runs, ipd_copy, missing)


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.output
    assert 'File "' not in run.output


def test_validate_malformed_file_prints_every_error_and_exits_2(cli: Cli) -> None:
    run = cli.runs["validate_all"]  # MANY among the others: its own seven lines
    assert run.returncode == 2, run.output
    assert_no_traceback(run)
    assert f"{MANY}: 7 problems in scenario" in run.output
    assert sum(line.startswith(f"{MANY}: ") for line in run.output.splitlines()) == 1 + 7
    for line in [
        f"{MANY}: rounds: Input should be a valid integer",
        f"{MANY}: actions[1].actors[1]: unknown party (expected one of: A, B, C) (got 'Q')",
        f"{MANY}: actions[6].id: duplicate id (got 'freeze')",
        f"{MANY}: noise.miss: Input should be less than or equal to 1 (got 1.5)",
        f"{MANY}: roadmap.stages[0].exit.trust[0].pair: a trust pair needs two different parties "
        "(got ['A', 'A'])",
        f"{MANY}: roadmap.stages[0].exit.deals_in_force[0]: unknown deal",
        f"{MANY}: roadmap.resume: breakdown rules can stall the process",
    ]:
        assert line in run.output


def test_validate_every_malformed_file_at_once(cli: Cli) -> None:
    """One run over all files: each is reported, none crashes the command."""
    run = cli.runs["validate_all"]
    assert run.returncode == 2
    assert_no_traceback(run)
    files = sorted(MALFORMED.glob("*.yaml"))
    assert len(files) >= 25
    for path in files:
        assert f"{path}: " in run.output
        assert f"{path}: ok" not in run.output
    syntax = MALFORMED / "invalid_yaml_syntax.yaml"
    assert f"{syntax}: line 16, column 69: invalid YAML" in run.output


def test_validate_valid_file_exits_0(cli: Cli) -> None:
    run = cli.runs["validate_valid"]
    assert run.returncode == 0, run.output
    assert_no_traceback(run)
    assert f"{cli.ipd_copy}: ok" in run.stdout
    assert run.stderr == ""


def test_validate_mixed_files_reports_each_and_exits_2(cli: Cli) -> None:
    """Malformed files, a valid one and a missing one in one run: each gets its verdict."""
    run = cli.runs["validate_all"]
    assert run.returncode == 2
    assert_no_traceback(run)
    assert f"{cli.ipd_copy}: ok" in run.output
    assert f"{UNKNOWN_DEAL}: roadmap.stages[0].exit.deals_in_force[0]: unknown deal" in run.output
    assert f"{cli.missing}: <root>: no such file" in run.output


def test_list_names_the_builtin_scenarios(cli: Cli) -> None:
    run = cli.runs["list"]
    assert run.returncode == 0, run.output
    assert_no_traceback(run)
    assert "ipd" in run.stdout
    assert "korea" in run.stdout


def test_show_prints_the_yaml_with_its_comments(cli: Cli) -> None:
    run = cli.runs["show"]
    assert run.returncode == 0, run.output
    assert run.stdout == builtin_text("korea")
    assert "# The Russian-Chinese roadmap for the Korean Peninsula" in run.stdout
    assert "# Every number has an entry in `provenance` at the end" in run.stdout
    assert "\nid: korea\n" in run.stdout


def test_show_unknown_scenario_exits_2_without_traceback(cli: Cli) -> None:
    run = cli.runs["show_unknown"]
    assert run.returncode == 2
    assert_no_traceback(run)
    assert "no built-in scenario of this name (known: ipd, korea)" in run.stderr


def test_schema_is_json_with_the_roadmap(cli: Cli) -> None:
    run = cli.runs["schema"]
    assert run.returncode == 0, run.output
    schema = json.loads(run.stdout)
    assert "roadmap" in schema["properties"]
    assert {"id", "parties", "actions", "roadmap"} <= set(schema["required"])
    assert "if" in schema["$defs"]["Commitment"]["properties"]


def test_numbers_lists_every_number_with_its_basis(cli: Cli) -> None:
    run = cli.runs["numbers_json"]
    assert run.returncode == 0, run.stderr
    rows = {row["path"]: row for row in json.loads(run.stdout)["numbers"]}
    assert rows["rounds"]["value"] == 200
    assert rows["actions[defect].intensity"]["basis"] == "assumption"
    payoff = rows["utilities.parties.A.linear['B.defect']"]
    assert (payoff["value"], payoff["basis"]) == (-3, "source")
    assert payoff["covered_by"] == "utilities.parties"
    assert "Axelrod" in payoff["source"]


def test_numbers_filters_by_basis_in_a_table(cli: Cli) -> None:
    run = cli.runs["numbers_none"]
    assert run.returncode == 0, run.stderr
    assert run.stdout.rstrip().endswith("0 numbers: 0 none")


def test_numbers_rejects_an_unknown_basis(cli: Cli) -> None:
    run = cli.runs["numbers_bad_basis"]
    assert run.returncode == 2
    assert "--basis must be one of source, estimate, assumption, none, got 'guess'" in run.stderr
    assert_no_traceback(run)
