"""Attribution in results and summaries: who triggered each rule, folded, written, read back.

Scripted opponents make the trigger known (A tests in odd rounds); korea under its
default profile gives a run in which several parties trigger the same rules.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from detente.report.build import build
from detente.scenario import load_scenario, parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.simulate import simulate
from detente.simulate.narrate import narrate
from detente.simulate.parquet import write_parquet
from detente.simulate.read import read_parquet
from detente.simulate.render import console, summary_view
from detente.simulate.results import Results
from detente.simulate.stream import simulate_summary
from detente.simulate.summary import Triggers
from detente.simulate.tally import Tally
from detente.strategies.testing import Scripted


def _act(id_: str, actors: list[str], category: str) -> dict[str, Any]:
    return {"id": id_, "actors": actors, "category": category, "intensity": -5}


@pytest.fixture(scope="module")
def blame() -> CompiledScenario:
    """A test by A or B stalls the process, a calm round resumes it; a drill by C sends the
    second stage back. Talks by C open the second stage."""
    doc: dict[str, Any] = {
        "id": "blame",
        "rounds": 6,
        "parties": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
        "actions": [
            _act("test", ["A", "B"], "provocation"),
            _act("drill", ["C"], "provocation"),
            {"id": "talk", "actors": ["C"], "category": "dialogue", "intensity": 2},
        ],
        "roadmap": {
            "stages": [
                {
                    "id": "one",
                    "exit": {"executed": ["C.talk"]},
                    "breakdown": [
                        {
                            "id": "tested",
                            "when": {"executed": ["A.test", "B.test"]},
                            "then": "stall",
                        }
                    ],
                },
                {
                    "id": "two",
                    "breakdown": [
                        {"id": "drilled", "when": {"executed": ["C.drill"]}, "then": "back"}
                    ],
                },
            ],
            "resume": [{"calm_rounds": 1}],
            "success": {"hold_rounds": 6},
        },
    }
    return compile_scenario(parse_scenario(doc))


@pytest.fixture(scope="module")
def scripted(blame: CompiledScenario) -> Results:
    """A tests in rounds 1, 3, 5 (each stalls, the next calm round resumes); B never does."""
    profile = {"A": Scripted(["test", "C"]), "B": Scripted(["C"]), "C": Scripted(["C"])}
    return simulate(blame, profile, episodes=3, seed=1)


@pytest.fixture(scope="module")
def korea() -> Results:
    return simulate(compile_scenario(load_scenario("korea")), {}, episodes=120, rounds=25, seed=3)


def test_a_scripted_party_is_named_for_its_stalls_and_no_one_else(
    blame: CompiledScenario, scripted: Results
) -> None:
    rule = blame.rules.index("one.tested")
    assert scripted.triggers is not None
    assert scripted.triggers[:, rule].tolist() == [[3, 0, 0, 0]] * 3  # A, B, C, trust
    assert scripted.rule_kinds == ("stall", "back")
    a = scripted.summary().attribution
    assert a is not None
    assert a.rules["one.tested"].by == {
        "A": Triggers(3.0, 1.0),
        "B": Triggers(0.0, 0.0),
        "C": Triggers(0.0, 0.0),
    }
    assert a.rules["one.tested"].trust is None
    assert a.stall.by["A"] == Triggers(3.0, 1.0)
    assert a.back.by["A"] == Triggers(0.0, 0.0)
    assert list(a.rules) == ["one.tested"]  # the rule that never fired is left out


def test_a_setback_counts_for_its_party_under_back(blame: CompiledScenario) -> None:
    profile = {"A": Scripted(["C"]), "B": Scripted(["C"]), "C": Scripted(["talk", "drill"])}
    a = simulate(blame, profile, episodes=2, seed=1).summary().attribution
    assert a is not None
    assert a.back.by["C"] == Triggers(3.0, 1.0)  # rounds 2, 4, 6
    assert a.stall.by == {p: Triggers(0.0, 0.0) for p in "ABC"}


def test_attribution_adds_up_to_the_firings_and_names_korea_s_parties(korea: Results) -> None:
    assert korea.triggers is not None
    fired = korea.breakdowns > 0
    named = korea.triggers.sum(axis=2) > 0
    np.testing.assert_array_equal(named & fired, named)  # no one named where no rule fired
    # every firing in korea is someone's act (no rule reads trust), so each has a name
    assert (korea.triggers.max(axis=2) <= korea.breakdowns).all()
    assert (korea.triggers.sum(axis=2) >= korea.breakdowns).all()
    a = korea.summary().attribution
    assert a is not None
    assert a.rules
    assert a.back.by["DPRK"].episodes > 0


def test_the_tally_of_chunks_is_the_tally_of_the_whole(korea: Results) -> None:
    whole = Tally.of(korea).summary()
    chunked = Tally.of(korea, block=7).summary()
    assert chunked.attribution == whole.attribution
    assert whole.attribution is not None


def test_the_streamed_summary_attributes_as_the_results_do(blame: CompiledScenario) -> None:
    profile = {"A": Scripted(["test", "C"]), "B": Scripted(["test", "C", "C"])}
    whole = simulate(blame, profile, episodes=10, seed=2).summary()
    streamed = simulate_summary(blame, profile, episodes=10, seed=2, chunk=3)
    assert streamed.attribution == whole.attribution
    assert whole.attribution is not None
    assert whole.attribution.rules["one.tested"].by["B"].episodes == 1.0


def test_the_json_carries_attribution_with_its_note(scripted: Results) -> None:
    out = json.loads(json.dumps(scripted.summary().to_dict()))
    rule = out["attribution"]["rules"]["one.tested"]
    assert rule["by"]["A"] == {"per_episode": 3.0, "episodes": 1.0}
    assert rule["trust"] is None
    assert out["attribution"]["stall"]["by"]["B"] == {"per_episode": 0.0, "episodes": 0.0}
    assert "by[party]" in out["attribution"]["note"]


def test_parquet_round_trips_attribution(korea: Results, tmp_path: Path) -> None:
    path = tmp_path / "korea.parquet"
    write_parquet(korea, path)
    back = read_parquet(path)
    assert back.triggers is not None
    assert korea.triggers is not None
    np.testing.assert_array_equal(back.triggers, korea.triggers)
    assert back.rule_kinds == korea.rule_kinds
    assert back.summary().attribution == korea.summary().attribution
    table = pq.read_table(path)
    stalls = np.asarray(korea.rule_kinds) == "stall"
    by_dprk = korea.triggers[:, ~stalls, korea.parties.index("DPRK")].sum(axis=1)
    np.testing.assert_array_equal(table.column("setbacks_by_DPRK").to_numpy(), by_dprk)
    assert "stalls_by_US" in table.column_names
    assert "stalls_on_trust" in table.column_names


def test_a_results_file_written_before_attribution_still_reads(
    korea: Results, tmp_path: Path
) -> None:
    path = tmp_path / "old.parquet"
    write_parquet(korea, path)
    table = pq.read_table(path)
    added = ("triggers_", "stalls_by_", "setbacks_by_", "stalls_on_", "setbacks_on_")
    old = table.select([n for n in table.column_names if not n.startswith(added)])
    meta = json.loads(table.schema.metadata[b"detente"])
    del meta["rule_kinds"]
    pq.write_table(old.replace_schema_metadata({b"detente": json.dumps(meta).encode()}), path)
    back = read_parquet(path)
    assert back.triggers is None
    assert back.rule_kinds is None
    summary = back.summary()
    assert summary.attribution is None
    assert summary.to_dict()["attribution"] is None
    assert summary.causes == korea.summary().causes
    sections = {s.id: s for s in build({"old": back})}
    assert "before attribution" in sections["attribution"].notes[0]


def test_the_console_table_names_who_triggered_within_80_columns(korea: Results) -> None:
    out = console()
    with out.capture() as captured:
        out.print(summary_view(korea.summary()))
    text = captured.get()
    assert "Who triggered them" in text
    assert "DPRK" in text.split("Who triggered them")[1]
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_summary_without_attribution_renders_without_its_tables(korea: Results) -> None:
    old = replace(korea, triggers=None)
    out = console()
    with out.capture() as captured:
        out.print(summary_view(old.summary()))
    assert "Who triggered" not in captured.get()


def test_the_narration_says_who_triggered_a_stall(blame: CompiledScenario) -> None:
    profile = {"A": Scripted(["test", "C"]), "B": Scripted(["test", "C"])}
    lines = list(narrate(blame, profile, rounds=2))
    assert "    stalled in one (one.tested, by A and B)" in lines
