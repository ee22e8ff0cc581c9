"""``detente events ...``: exit code 2 and one clear message for bad input.

The commands run once per module and the tests read their results. Two of
them (a map of the bundled record and a bad date) run as real subprocesses,
as a user runs them, where a traceback would show; the others run as
commands of the ``detente`` app in this process, while those two start up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.scenario import builtin_text

#: The commands run in a subprocess: a success and a user error.
REAL = frozenset({"map_bundled", "bad_date"})

HEADER = "date,actor,target,cameo,action,description,source,uncertain\n"


class Run(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("events")
    files = {
        "bad_date": HEADER + "2018-01-01,PRK,,150,,a,s,\n2018-02-30,PRK,,150,,b,s,\n",
        "unordered": HEADER + "2018-02-01,PRK,,150,,a,s,\n2018-01-01,PRK,,150,,b,s,\n",
        "bad_code": HEADER + "2018-01-01,PRK,,1555,,a,s,\n",
        "unknown_actor": HEADER + "2018-01-01,PKR,,150,,a,s,\n",
        "empty": "",
        "duplicate": HEADER + "2018-01-01,PRK,,150,,a,s,\n2018-01-01,PRK,,150,,a,s,\n",
        "good": HEADER + "2018-04-20,PRK,USA,087,,moratorium,KCNA,\n",
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    user_scenario = tmp / "mine.yaml"
    user_scenario.write_text(builtin_text("korea"), encoding="utf-8")
    yaml_as_events = str(
        Path(__file__).resolve().parents[2] / "src/detente/scenario/builtin/korea.yaml"
    )
    commands = {
        "check_bundled": ["events", "check", "korea", "--scenario", "korea"],
        "map_bundled": ["events", "map", "korea", "--events", "korea"],
        "map_json": [
            "events",
            "map",
            "korea",
            "--events",
            "korea",
            "--round",
            "quarter",
            "--format",
            "json",
        ],
        "until_early": ["events", "map", "korea", "--events", "korea", "--until", "2016-12-31"],
        "bad_from": ["events", "map", "korea", "--events", "korea", "--from", "March 2018"],
        "bad_unit": ["events", "map", "korea", "--events", "korea", "--round", "day"],
        "no_mapping": ["events", "map", str(user_scenario), "--events", "korea"],
        "unknown_actor": ["events", "check", str(paths["unknown_actor"]), "--scenario", "korea"],
        "map_unknown_actor": ["events", "map", "korea", "--events", str(paths["unknown_actor"])],
        "yaml_as_events": ["events", "check", yaml_as_events],
        **{
            name: ["events", "check", str(paths[name])] for name in files if name != "unknown_actor"
        },
    }
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "detente", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in commands.items()
        if name in REAL
    }
    out = {}
    for name, args in commands.items():
        if name not in REAL:
            result = CliRunner().invoke(app, args)
            out[name] = Run(result.exit_code, result.stdout, result.stderr)
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        out[name] = Run(proc.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad_date", "row 2, column 'date': no such day (got '2018-02-30')"),
        ("unordered", "row 2, column 'date': out of order"),
        ("bad_code", "row 1, column 'cameo': not a code of the CAMEO list (got '1555')"),
        ("unknown_actor", "row 1, column 'actor': unknown actor"),
        ("map_unknown_actor", "row 1, column 'actor': unknown actor"),
        ("empty", "empty file"),
        ("duplicate", "row 2: duplicate of row 1"),
        ("yaml_as_events", "not an event file: missing column(s) date, actor, target, cameo"),
        ("until_early", "until: before the record's first event (2017-03-01)"),
        ("bad_from", "--from must be an ISO 8601 date"),
        ("bad_unit", "the unit is one of month, week, quarter"),
        ("no_mapping", "mine.mapping.yaml: no such mapping file"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(
    runs: dict[str, Run], name: str, expected: str
) -> None:
    run = runs[name]
    assert run.returncode == 2, run
    assert expected in run.stderr
    assert "Traceback" not in run.stderr


def test_check_reports_the_record(runs: dict[str, Run]) -> None:
    assert runs["check_bundled"].returncode == 0
    assert "korea (bundled): 115 events, 2017-03-01 to 2019-12-31" in runs["check_bundled"].stdout
    assert runs["good"].returncode == 0


def test_map_prints_moves_choices_and_every_reason(runs: dict[str, Run]) -> None:
    run = runs["map_bundled"]
    assert run.returncode == 0, run.stderr
    assert "115 events: 45 mapped into 34 rounds, 70 unmapped" in run.stdout
    assert "one level per move" in run.stdout
    assert "a resolution korea has no resolution for" in run.stdout
    assert "unscr_2397.in_favour" in run.stdout


def test_map_as_json(runs: dict[str, Run]) -> None:
    data = json.loads(runs["map_json"].stdout)
    assert {row["round"] for row in data["moves"]} <= set(range(12))
    assert len(data["unmapped"]) >= 60
    assert all(u["reason"] for u in data["unmapped"])
