"""The body of ``detente backtest`` with a test wiring: outputs, and user errors as exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer

from detente.backtest import MappedRecordLike, ReplayedStages
from detente.backtest.commands import Wiring, run_backtest
from detente.backtest.simulation import opening_forecaster
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove
from tests.backtest.records import monthly

RECORD = monthly(
    [{"DPRK": NamedMove(["missile_test.icbm"])} if i % 4 == 1 else {} for i in range(24)],
    year=2017,
)


class BadEventsError(ValueError):
    pass


def _load(compiled: CompiledScenario, path: Path) -> MappedRecordLike:
    if path.name == "bad.csv":
        raise BadEventsError(f"{path}: row 3, column date: not a date")
    return RECORD


def _replayed(compiled: CompiledScenario, record: MappedRecordLike) -> ReplayedStages:
    n = len(record.rounds) + 1
    return ReplayedStages(np.zeros(n, np.int64), np.zeros(n, bool))


WIRING = Wiring(
    _load, _replayed, lambda c, r, profile: opening_forecaster(c, profile), (BadEventsError,)
)


def command(**given: Any) -> None:
    args: dict[str, Any] = {
        "scenario": "korea",
        "events": Path("events.csv"),
        "cuts": ["2018-03-15", "2018-06-01"],
        "horizon": "3,6",
        "questions": None,
        "episodes": 50,
        "seed": 0,
        "strategies": [],
        "overrides": [],
        "fmt": "table",
        "out": None,
        "wiring": WIRING,
    } | given
    run_backtest(**args)


def test_table_json_and_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    command()
    table = capsys.readouterr().out
    assert "korea: backtest of 9 questions, 50 episodes per cut" in table
    assert "2018-03-15 (round 14, from 2018-03-01)" in table
    assert "icbm_launch" in table
    assert "reliability" in table
    page = tmp_path / "backtest.html"
    command(fmt="json", out=page)
    data = json.loads(capsys.readouterr().out)
    assert [c["round"] for c in data["cuts"]] == [14, 17]
    assert len(data["cases"]) == 2 * 2 * 9
    icbm = [c for c in data["cases"] if c["question"] == "icbm_launch" and c["horizon"] == 3]
    # launches in rounds 1, 5, 9, ... (every 4th): none in 14-16, one in 17-19. A window of
    # 3 rounds starting at s misses them when s = 2 (mod 4): s = 2, 6, 10 of 0..11 before
    # round 14, and also 14 of 0..14 before round 17; the last windows, 11-13 and 14-16.
    assert [c["happened"] for c in icbm] == [False, True]
    assert [c["base_rate"] for c in icbm] == [9 / 12, 11 / 15]
    assert [c["persistence"] for c in icbm] == [1.0, 0.0]
    html = page.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert "Backtest against the record" in html


def _fails(capsys: pytest.CaptureFixture[str], **given: Any) -> str:
    with pytest.raises(typer.Exit) as stop:
        command(**given)
    assert stop.value.exit_code == 2
    return capsys.readouterr().err


def test_user_errors_exit_2_with_one_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "--cut 2016-01-01: outside the record (2017-01-01 to 2018-12-31)" in _fails(
        capsys, cuts=["2016-01-01"]
    )
    assert "--cut '2019-02-30': expected a date" in _fails(capsys, cuts=["2019-02-30"])
    assert "--horizon '6,x'" in _fails(capsys, horizon="6,x")
    assert "runs past the end of the record" in _fails(capsys, cuts=["2018-10-01"])
    assert "row 3, column date" in _fails(capsys, events=Path("bad.csv"))
    assert "--out x.png" in _fails(capsys, out=Path("x.png"))
    questions = tmp_path / "q.yaml"
    questions.write_text("questions:\n  - {id: a, title: A, any: [DPRK.nuke]}\n", "utf-8")
    err = _fails(capsys, questions=questions)
    assert f"{questions}: questions[0].any[0]: DPRK has no action 'nuke'" in err
    assert "Traceback" not in err
