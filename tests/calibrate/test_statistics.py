"""The summary statistics: the record's through the mapping, the model's from its start."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from detente.calibrate.statistics import compute, observed, simulated, statistics_of
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.simulate.from_record import RecordSource


@pytest.fixture(scope="module")
def korea() -> CompiledScenario:
    return compile_scenario(load_scenario("korea"))


def test_korea_has_rates_per_party_meetings_and_the_first_agreement(
    korea: CompiledScenario,
) -> None:
    names = [s.name for s in statistics_of(korea)]
    assert "provocations.DPRK" in names
    assert "cooperation.US" in names
    assert "provocations.RUS" not in names  # Russia has no provocation to count
    assert names[-3:] == ["meetings.summit", "meetings.multilateral_meeting", "first_agreement"]


def test_the_record_to_november_2018_gives_the_counts_worked_out_by_hand(
    korea: CompiledScenario,
) -> None:
    source = RecordSource("korea", datetime.date(2018, 12, 31))
    mapped = source.mapped("korea", korea)
    known = source.known(mapped)
    assert known == 21  # March 2017 .. November 2018
    obs = dict(
        zip((s.name for s in statistics_of(korea)), observed(korea, mapped, known), strict=True)
    )
    # launches in March, April, May, July, August, November 2017; a launch and the
    # nuclear test in September 2017: 8 acts in 21 rounds
    assert obs["provocations.DPRK"] == pytest.approx(8 / 21)
    # the moratorium (April 2018) and the double freeze (June 2018): 2 acts
    assert obs["cooperation.DPRK"] == pytest.approx(2 / 21)
    assert obs["meetings.summit"] == pytest.approx(1 / 21)  # Singapore
    assert obs["meetings.multilateral_meeting"] == 0.0
    assert obs["first_agreement"] == pytest.approx(16 / 21)  # June 2018, the 16th round
    assert obs["cooperation.RUS"] == 0.0


def test_hand_made_acts_give_rates_meetings_and_a_censored_agreement(
    korea: CompiledScenario,
) -> None:
    stats = statistics_of(korea)
    names = [s.name for s in stats]
    acts = np.zeros((2, 4, korea.n_slots), dtype=bool)
    slot = {korea.slot_label(k): k for k in range(korea.n_slots)}
    acts[0, 0, slot["DPRK.nuclear_test"]] = acts[0, 0, slot["DPRK.missile_test.icbm"]] = True
    acts[0, 2, slot["US.summit"]] = acts[0, 2, slot["DPRK.summit"]] = True
    acts[1, 1, slot["US.summit"]] = True  # alone: no meeting
    agreement = np.zeros((2, 4), dtype=bool)
    agreement[0, 2] = True
    out = compute(stats, acts, agreement)
    row = dict(zip(names, out[0], strict=True))
    assert row["provocations.DPRK"] == 2 / 4
    assert row["meetings.summit"] == 1 / 4
    assert row["first_agreement"] == 3 / 4
    other = dict(zip(names, out[1], strict=True))
    assert other["meetings.summit"] == 0.0
    assert other["first_agreement"] == 5 / 4  # none in the window: censored at R + 1


def test_simulated_statistics_are_a_function_of_the_seed(korea: CompiledScenario) -> None:
    a = simulated(korea, None, 6, 8, seed=3)
    b = simulated(korea, None, 6, 8, seed=3)
    c = simulated(korea, None, 6, 8, seed=4)
    assert a.shape == (8, len(statistics_of(korea)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a >= 0).all()
