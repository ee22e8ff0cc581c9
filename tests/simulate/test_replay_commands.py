"""``detente replay``'s body over a mapped record, with a hand-made stand-in for one."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer

from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove as N
from detente.simulate.replay_commands import replay_record, replay_rows, run_replay


@dataclass(frozen=True)
class FakeEvent:
    description: str


@dataclass(frozen=True)
class FakeRound:
    index: int
    start: datetime.date
    end: datetime.date
    moves: Mapping[str, N]
    events: tuple[Any, ...] = ()


@dataclass(frozen=True)
class FakeRecord:
    rounds: tuple[FakeRound, ...] = field(default=())


def month(i: int, moves: Mapping[str, N], *events: str) -> FakeRound:
    start = datetime.date(2017 + (i + 2) // 12, (i + 2) % 12 + 1, 1)
    after = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    end = after - datetime.timedelta(days=1)
    return FakeRound(i, start, end, moves, tuple(FakeEvent(e) for e in events))


RECORD = FakeRecord(
    (
        month(0, {"DPRK": N(["missile_test.short_range"])}, "four ballistic missiles"),
        month(1, {}),
        month(2, {"DPRK": N(["peace_treaty"])}, "an imagined treaty"),
    )
)


def test_rows_carry_the_calendar_and_the_record(korea: CompiledScenario) -> None:
    played = replay_record(korea, RECORD, noise=False)
    rows = replay_rows(played, RECORD)
    assert [(r["round"], r["start"], r["end"]) for r in rows] == [
        (1, "2017-03-01", "2017-03-31"),
        (2, "2017-04-01", "2017-04-30"),
        (3, "2017-05-01", "2017-05-31"),
    ]
    assert rows[0]["record"] == ["four ballistic missiles"]
    assert rows[2]["refused"][0]["name"] == "peace_treaty"


def test_table_json_and_parquet(
    korea: CompiledScenario, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    run_replay(korea, RECORD, seed=0, episodes=1, noise=True, fmt="json", out=tmp_path / "r.pq")
    data = json.loads(capsys.readouterr().out)
    assert [r["stage"] for r in data["rounds"]] == ["trust_building"] * 3
    table = pq.read_table(tmp_path / "r.pq").to_pylist()
    assert [r["round"] for r in table] == [1, 2, 3]
    assert table[2]["refused"] == ["DPRK.peace_treaty"]
    assert 0 < table[0]["trust_US_DPRK"] < 1
    run_replay(korea, RECORD, seed=0, episodes=1, noise=True, fmt="table", out=None)
    shown = capsys.readouterr().out
    assert "2017-05-01" in shown
    assert "DPRK.peace_treaty" in shown


def test_an_empty_record_and_missing_rounds_are_refused(korea: CompiledScenario) -> None:
    with pytest.raises(typer.Exit):
        run_replay(korea, FakeRecord(), seed=0, episodes=1, noise=True, fmt="table", out=None)
    gap = FakeRecord((RECORD.rounds[0], RECORD.rounds[2]))
    with pytest.raises(ValueError, match="round 1 has index 2"):
        replay_record(korea, gap)
