"""Backtest scores on a tiny record, checked against numbers worked out by hand.

The record (one round a month from January 2019): DPRK nuclear tests in
February (round 1) and May (round 4). Question: a nuclear test within 2
rounds. Cuts:

* 2019-05-10, in May (round 4): window May-June, outcome 1. Windows of 2
  rounds wholly before May: Jan-Feb (test), Feb-Mar (test), Mar-Apr (none):
  base rate 2/3; persistence (the last, Mar-Apr) 0. The forecast: 2 of 4
  episodes test, 0.5.
* 2019-03-01, in March (round 2): window Mar-Apr, outcome 0. One window
  before: Jan-Feb (test): base rate 1, persistence 1. Forecast: 1 of 4, 0.25.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from detente.backtest import (
    CLIP,
    Case,
    Paths,
    Question,
    ReplayedStages,
    backtest,
    brier,
    log_score,
    parse_questions,
    reliability,
)
from detente.backtest.runner import score_cases
from detente.scenario.moves import NamedMove
from tests.backtest.records import KOREA, monthly, paths

TEST = {"DPRK": NamedMove(["nuclear_test"])}
RECORD = monthly([{}, TEST, {}, {}, TEST, {}])
QUESTIONS = parse_questions(
    KOREA, {"questions": [{"id": "test", "title": "A test", "any": ["DPRK.nuclear_test"]}]}
)
FORECASTS = {
    4: paths(2, 4, {(0, 1): ["DPRK.nuclear_test"], (1, 2): ["DPRK.nuclear_test"]}),
    2: paths(2, 4, {(3, 2): ["DPRK.nuclear_test"]}),
}


def forecaster(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
    assert (horizon, episodes) == (2, 4)
    return FORECASTS[cut]


def run() -> list:
    return list(
        backtest(
            KOREA, RECORD, [date(2019, 5, 10), date(2019, 3, 1)], [2], QUESTIONS, 4, 0, forecaster
        ).cases
    )


def test_each_case_has_the_forecast_outcome_and_baselines_worked_out_by_hand() -> None:
    may, march = run()
    assert (may.forecast, may.happened, may.base_rate, may.persistence) == (0.5, True, 2 / 3, 0.0)
    assert (march.forecast, march.happened, march.base_rate, march.persistence) == (
        0.25,
        False,
        1.0,
        1.0,
    )


def test_brier_log_and_skill_scores_match_the_hand_computation() -> None:
    s = score_cases("test", 2, run())
    own_brier = ((0.5 - 1) ** 2 + (0.25 - 0) ** 2) / 2  # 0.15625
    own_log = (-math.log(0.5) - math.log(1 - 0.25)) / 2
    rate_brier = ((2 / 3 - 1) ** 2 + (1 - 0) ** 2) / 2
    rate_log = (-math.log(2 / 3) - math.log(1 - (1 - CLIP))) / 2  # 1 clipped to 0.99
    persistence_brier = ((0 - 1) ** 2 + (1 - 0) ** 2) / 2  # 1.0: wrong twice
    persistence_log = (-math.log(CLIP) - math.log(CLIP)) / 2  # both certain and wrong
    assert s.n == s.n_baselines == 2
    assert s.forecast == pytest.approx(0.375)
    assert s.observed == pytest.approx(0.5)
    assert s.brier == pytest.approx(0.15625)
    assert s.brier == pytest.approx(own_brier)
    assert s.log == pytest.approx(own_log)
    assert s.base_rate is not None
    assert s.persistence is not None
    assert s.base_rate.brier == pytest.approx(rate_brier)
    assert s.base_rate.log == pytest.approx(rate_log)
    assert s.persistence.brier == pytest.approx(persistence_brier)
    assert s.persistence.log == pytest.approx(persistence_log)
    assert s.base_rate.brier_skill == pytest.approx(0.71875)  # 1 - 0.15625 / (5/9)
    assert s.persistence.brier_skill == pytest.approx(0.84375)
    assert s.base_rate.log_skill == pytest.approx(1 - own_log / rate_log)
    assert s.persistence.log_skill == pytest.approx(1 - own_log / persistence_log)


def test_reliability_bins_count_forecasts_and_outcomes() -> None:
    cases = run()
    bins = reliability([c.forecast for c in cases], [c.happened for c in cases])
    assert len(bins) == 10
    filled = {(b.low, b.high): (b.count, b.forecast, b.observed) for b in bins if b.count}
    assert filled == {(0.2, 0.3): (1, 0.25, 0.0), (0.5, 0.6): (1, 0.5, 1.0)}
    assert all(b.forecast is None and b.observed is None for b in bins if not b.count)
    # more cases: [0, 0.1) holds 0 and 0.05; the last bin is closed at 1
    more = reliability([0.0, 0.05, 0.95, 1.0, 1.0], [False, True, True, True, False])
    assert (more[0].count, more[0].forecast, more[0].observed) == (2, 0.025, 0.5)
    assert (more[9].count, more[9].observed) == (3, pytest.approx(2 / 3))
    assert more[9].forecast == pytest.approx((0.95 + 1 + 1) / 3)


def test_the_log_score_clips_certainty() -> None:
    assert log_score([1.0], [False]) == pytest.approx(-math.log(0.01))
    assert log_score([0.0], [False]) == pytest.approx(-math.log(0.99))
    assert log_score([0.3], [True], clip=0.5) == pytest.approx(-math.log(0.5))
    assert brier([1.0, 0.0], [False, False]) == 0.5


def test_skill_is_none_when_the_baseline_is_perfect_and_cases_without_history_are_apart() -> None:
    # a cut in January (round 0) has no window before it: no baselines
    jan = paths(2, 4, {(0, 1): ["DPRK.nuclear_test"]})

    def early(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
        return jan if cut == 0 else FORECASTS[cut]

    b = backtest(KOREA, RECORD, [date(2019, 1, 3), date(2019, 3, 1)], [2], QUESTIONS, 4, 0, early)
    first, march = b.cases
    assert (first.forecast, first.happened, first.base_rate, first.persistence) == (
        0.25,
        True,
        None,
        None,
    )
    s = score_cases("test", 2, b.cases)
    assert (s.n, s.n_baselines) == (2, 1)
    assert s.brier == pytest.approx(((0.25 - 1) ** 2 + 0.25**2) / 2)
    assert s.base_rate is not None
    assert s.base_rate.brier == pytest.approx(1.0)  # March only: base rate 1, no test
    assert s.base_rate.brier_skill == pytest.approx(1 - 0.25**2 / 1.0)
    assert march.base_rate == 1.0
    # baselines that were right and certain score 0: no skill can be measured against them
    calm = Case("test", 2, date(2019, 3, 1), 0.3, False, 0.0, 0.0)
    perfect = score_cases("test", 2, [calm])
    assert perfect.base_rate is not None
    assert perfect.persistence is not None
    assert perfect.base_rate.brier == perfect.persistence.brier == 0.0
    assert perfect.base_rate.brier_skill is None
    assert perfect.persistence.brier_skill is None
    assert perfect.base_rate.log == pytest.approx(-math.log(0.99))  # the clip's floor
    assert perfect.base_rate.log_skill is None


def test_stage_questions_read_the_replayed_record() -> None:
    record = monthly([{}] * 7)
    # replayed, row 0 before round 0: up to stage 1 in round 1, stalled in round 3,
    # back to stage 0 in round 4, resumed in round 5
    replayed = ReplayedStages(
        stage=np.array([0, 0, 1, 1, 1, 0, 0, 0]),
        stalled=np.array([False, False, False, False, True, True, False, False]),
    )
    questions = parse_questions(
        KOREA,
        {
            "questions": [
                {"id": c, "title": c, "stage": c} for c in ("up", "down", "stall", "resume")
            ]
        },
    )
    flat = paths(3, 2, {})

    def still(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
        return flat

    b = backtest(KOREA, record, [date(2019, 5, 2)], [3], questions, 2, 0, still, replayed=replayed)
    # window: rounds 4-6; windows before it: rounds 0-2 (up) and 1-3 (up, stall)
    got = {c.question: (c.happened, c.base_rate, c.persistence, c.forecast) for c in b.cases}
    assert got == {
        "up": (False, 1.0, 1.0, 0.0),
        "down": (True, 0.0, 0.0, 0.0),
        "stall": (False, 0.5, 1.0, 0.0),
        "resume": (True, 0.0, 0.0, 0.0),
    }
    assert all(isinstance(q, Question) for q in questions)
