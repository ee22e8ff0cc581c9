"""Simulated paths: what the simulator plays, recorded per round; a backtest is deterministic."""

from __future__ import annotations

import json
from datetime import date

import numpy as np

from detente.backtest import ReplayedStages, backtest, builtin_questions
from detente.backtest.simulation import forecast_paths, opening_forecaster
from detente.engine import initial_state
from detente.scenario.moves import NamedMove
from detente.simulate import simulate
from tests.backtest.records import KOREA, monthly


def test_forecast_paths_record_the_simulators_own_rounds() -> None:
    start = initial_state(KOREA, 300)
    p = forecast_paths(KOREA, start, 8, seed=4)
    r = simulate(KOREA, None, 300, 8, 4, trajectories=True)
    assert r.trajectories is not None
    assert np.array_equal(p.stage[:, 1:], r.trajectories.stage)
    assert np.array_equal(p.stalled[:, 1:], r.trajectories.stalled)
    assert (p.stage[:, 0] == 0).all()
    assert np.array_equal(p.stalled[:, 0], start.stalled)  # korea's initial: stalled since 2009
    # every episode's stalls as the results count them
    starts = (p.stalled[:, 1:] & ~p.stalled[:, :-1]).sum(axis=1)
    assert np.array_equal(starts, r.stalls)


def _run(seed: int) -> dict:
    record = monthly(
        [{"DPRK": NamedMove(["missile_test.icbm"])} if i % 5 == 0 else {} for i in range(14)],
        year=2017,
    )
    replayed = ReplayedStages(np.zeros(15, np.int64), np.zeros(15, bool))
    b = backtest(
        KOREA,
        record,
        [date(2017, 7, 4), date(2017, 9, 1)],
        [3, 5],
        builtin_questions(KOREA),
        200,
        seed,
        opening_forecaster(KOREA),
        replayed=replayed,
    )
    return b.to_dict()


def test_a_backtest_is_deterministic() -> None:
    first = _run(11)
    assert json.dumps(first) == json.dumps(_run(11))
    assert json.dumps(first) != json.dumps(_run(12))
    assert len(first["cases"]) == 2 * 2 * len(builtin_questions(KOREA))
