"""Questions: what counts as the event on each side, and question files with errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from detente.backtest import (
    BacktestError,
    Paths,
    QuestionError,
    ReplayedStages,
    backtest,
    builtin_questions,
    cut_round,
    load_questions,
    parse_questions,
    record_paths,
)
from detente.scenario.moves import NamedMove
from tests.backtest.records import KOREA, monthly, paths


def ask(*items: dict) -> tuple:
    return parse_questions(KOREA, {"questions": list(items)})


def test_levels_count_as_that_level_or_stronger_and_bare_actions_as_any() -> None:
    mrbm_up, any_launch, icbm = ask(
        {"id": "a", "title": "a", "any": ["DPRK.missile_test.intermediate"]},
        {"id": "b", "title": "b", "any": ["DPRK.missile_test"]},
        {"id": "c", "title": "c", "any": ["DPRK.missile_test.icbm"]},
    )
    p = paths(2, 3, {(0, 1): ["DPRK.missile_test.icbm"], (1, 2): ["DPRK.missile_test.short_range"]})
    assert mrbm_up.happened(p, 1, 2).tolist() == [True, False, False]
    assert any_launch.happened(p, 1, 2).tolist() == [True, True, False]
    assert icbm.happened(p, 1, 2).tolist() == [True, False, False]
    assert any_launch.happened(p, 1, 1).tolist() == [True, False, False]  # the window's length
    assert any_launch.happened(p, 2, 1).tolist() == [False, True, False]


def test_all_needs_every_act_in_one_and_the_same_round() -> None:
    (summit,) = ask({"id": "s", "title": "s", "all": ["US.summit", "DPRK.summit"]})
    p = paths(
        2,
        3,
        {
            (0, 1): ["US.summit", "DPRK.summit"],
            (1, 1): ["US.summit"],
            (1, 2): ["DPRK.summit"],
        },
    )
    assert summit.happened(p, 1, 2).tolist() == [True, False, False]


def test_a_standing_policy_counts_in_the_round_it_comes_into_execution() -> None:
    (freeze,) = ask({"id": "f", "title": "f", "any": ["DPRK.freeze_tests"]})
    k = KOREA.slot_of("DPRK", "freeze_tests")
    executed = np.zeros((2, 5, KOREA.n_slots), dtype=bool)
    executed[0, 1:, k] = True  # declared in round 1, in force since
    executed[1, 0:, k] = True  # already in force at the cut
    stage = np.zeros((2, 5), dtype=np.int64)
    p = Paths.from_executed(KOREA, stage, np.zeros((2, 5), dtype=bool), executed)
    assert freeze.happened(p, 1, 4).tolist() == [True, False]
    assert freeze.happened(p, 2, 3).tolist() == [False, False]


def test_the_record_counts_actions_and_whole_deals_offered() -> None:
    (summit,) = ask({"id": "s", "title": "s", "all": ["US.summit", "DPRK.summit"]})
    record = monthly(
        [
            {"US": NamedMove(offers=["us_summit"]), "DPRK": NamedMove(offers=["dprk_summit"])},
            {"US": NamedMove(offers=["us_summit"])},  # one side's offer: no summit
            {"US": NamedMove(["summit"]), "DPRK": NamedMove(["summit"])},
        ]
    )
    seen = record_paths(KOREA, record, None)
    assert [bool(summit.happened(seen, t, 1)[0]) for t in (1, 2, 3)] == [True, False, True]


def test_the_builtin_questions_of_korea_cover_the_issue() -> None:
    ids = [q.id for q in builtin_questions(KOREA)]
    for wanted in ("nuclear_test", "icbm_launch", "ballistic_launch", "us_dprk_summit"):
        assert wanted in ids
    for wanted in ("six_party_meeting", "stage_up", "stage_down", "stall"):
        assert wanted in ids


def test_a_question_file_with_errors_names_each_with_file_path_and_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "questions:\n"
        "  - {id: a, title: A, any: [DPRK.nuclear_tset]}\n"
        "  - {id: b, title: B, any: [PRK.nuclear_test]}\n"
        "  - {id: c, title: C, any: [DPRK.missile_test.long]}\n"
        "  - {id: d, title: D, any: [DPRK.nuclear_test], stage: up}\n"
        "  - {id: e, title: E, stage: sideways}\n"
        "  - {id: e, title: E2, all: [US.summit], colour: red}\n"
        "  - {id: 9f, title: '', all: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(QuestionError) as err:
        load_questions(KOREA, bad)
    text = str(err.value)
    lines = text.splitlines()
    assert lines[0].startswith(f"{bad}: ")
    assert "problems in question file" in lines[0]
    expected = [
        ("questions[0].any[0]", "DPRK has no action 'nuclear_tset'", "'DPRK.nuclear_tset'"),
        ("questions[1].any[0]", "no party 'PRK'", "'PRK.nuclear_test'"),
        ("questions[2].any[0]", "no action 'missile_test.long'", "'DPRK.missile_test.long'"),
        ("questions[3]", "exactly one of any, all, stage", "['any', 'stage']"),
        ("questions[4].stage", "stage is one of up, down, stall, resume", "'sideways'"),
        ("questions[5].colour", "unknown field", "'colour'"),
        ("questions[6].id", "an identifier", "'9f'"),
        ("questions[6].title", "non-empty text", "''"),
        ("questions[6].all", "a non-empty list", "[]"),
    ]
    for path, message, value in expected:
        assert any(
            line.startswith(f"{bad}: {path}: ") and message in line and value in line
            for line in lines
        ), (path, text)
    assert len(lines) == 1 + len(expected)


def test_a_repeated_id_and_invalid_yaml_are_reported(tmp_path: Path) -> None:
    twice = {"id": "a", "title": "A", "any": ["DPRK.nuclear_test"]}
    with pytest.raises(QuestionError, match=r"questions\[1\]\.id: given twice"):
        ask(twice, twice)
    broken = tmp_path / "broken.yaml"
    broken.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(QuestionError, match="line 2, column 1: invalid YAML"):
        load_questions(KOREA, broken)
    with pytest.raises(QuestionError, match="a question file has one key, questions"):
        parse_questions(KOREA, ["x"])
    with pytest.raises(QuestionError, match="cannot read the file"):
        load_questions(KOREA, tmp_path / "missing.yaml")


def test_cuts_outside_the_record_or_too_late_are_refused() -> None:
    record = monthly([{}] * 6)
    (q,) = ask({"id": "a", "title": "A", "any": ["DPRK.nuclear_test"]})

    def never(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
        raise AssertionError("no forecast is made for a refused cut")

    assert cut_round(record, date(2019, 1, 1)) == 0
    assert cut_round(record, date(2019, 6, 30)) == 5
    cases = [
        ([date(2018, 12, 31)], [1], "--cut 2018-12-31: outside the record (2019-01-01 to"),
        ([date(2019, 7, 1)], [1], "--cut 2019-07-01: outside the record"),
        ([date(2019, 5, 1)], [3], "runs past the end of the record (2019-06-30)"),
        ([date(2019, 2, 1), date(2019, 2, 20)], [1], "fall in the same round"),
        ([], [1], "at least one --cut"),
        ([date(2019, 2, 1)], [0], "--horizon"),
        ([date(2019, 2, 1)], [2, 2], "--horizon"),
    ]
    for cuts, horizons, message in cases:
        with pytest.raises(BacktestError, match=message.replace("(", r"\(").replace(")", r"\)")):
            backtest(KOREA, record, cuts, horizons, [q], 1, 0, never)


def test_stage_questions_need_the_replayed_record() -> None:
    record = monthly([{}] * 6)
    (up,) = ask({"id": "up", "title": "up", "stage": "up"})
    with pytest.raises(BacktestError, match="up ask about the roadmap's stage"):
        backtest(KOREA, record, [date(2019, 2, 1)], [1], [up], 1, 0, lambda *a: paths(1, 1, {}))
    with pytest.raises(ValueError, match="expected 7 rows"):
        record_paths(KOREA, record, ReplayedStages(np.zeros(6, np.int64), np.zeros(6, bool)))
