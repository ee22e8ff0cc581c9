"""Each library strategy's logic, axelrod style: one episode against known opponents.

On ``ipd`` "C" is cooperating and "D" defecting; a list is a scripted opponent
that cycles through its moves. The scores of whole matches are checked
against the axelrod library in ``test_axelrod.py``; these tests say, round by
round, why.
"""

import pytest

from detente.strategies import StrategyError
from detente.strategies.testing import Scripted, versus

C, D = "C", "D"


@pytest.mark.parametrize(
    ("strategy", "opponent", "plays"),
    [
        ("cooperate", [D], [C, C, C, C]),
        ("defect", [C], [D, D, D, D]),
        ("dove", [D], [C, C, C, C]),  # on ipd a dove is a cooperator
        ("hawk", [C], [D, D, D, D]),  # and a hawk a defector
        ("random:p=1", [D], [C, C, C, C]),
        ("random:p=0", [C], [D, D, D, D]),
        ("action_for_action", [D], [C, C, C, C]),  # no deal on ipd: it never provokes
    ],
)
def test_unconditional_strategies_ignore_the_opponent(
    strategy: str, opponent: list[str], plays: list[str]
) -> None:
    versus(strategy, opponent, 4).assert_plays(plays)


@pytest.mark.parametrize("strategy", ["tit_for_tat", "grit", "generous_tit_for_tat:g=0"])
def test_tit_for_tat_cooperates_first_then_copies_the_last_move(strategy: str) -> None:
    # grit on ipd is tit for tat (no restraint to take), and so is a generosity of 0
    versus(strategy, [C, D, D, C], 5).assert_plays([C, C, D, D, C])
    versus(strategy, "alternator", 5).assert_plays([C, C, D, C, D])
    versus(strategy, "defect", 3).assert_plays([C, D, D])


def test_suspicious_tit_for_tat_opens_with_a_defection() -> None:
    versus("suspicious_tit_for_tat", [C], 4).assert_plays([D, C, C, C])
    versus("suspicious_tit_for_tat", [D], 3).assert_plays([D, D, D])
    versus("suspicious_tit_for_tat", [C, D], 5).assert_plays([D, C, D, C, D])


def test_generous_tit_for_tat_forgives_some_defections_by_its_own_draws() -> None:
    plays = versus("generous_tit_for_tat", "defect", 30).letters()
    assert plays[0] == C
    forgiven = plays[1:].count(C)
    assert 0 < forgiven < 29 / 2  # forgives about one defection in three
    assert versus("generous_tit_for_tat", "defect", 30).letters() == plays  # same draws
    assert versus("generous_tit_for_tat", "defect", 30, seed=1).letters() != plays
    versus("generous_tit_for_tat:g=1", "defect", 5).assert_plays([C] * 5)


def test_tit_for_two_tats_answers_only_two_defections_in_a_row() -> None:
    versus("tit_for_two_tats", [D, C, D, D, C, C], 7).assert_plays([C, C, C, C, D, C, C])
    versus("tit_for_two_tats", "defect", 4).assert_plays([C, C, D, D])


def test_grim_trigger_never_forgives() -> None:
    versus("grim_trigger", [C, C, D, C], 7).assert_plays([C, C, C, D, D, D, D])
    versus("grim_trigger", "cooperate", 3).assert_plays([C, C, C])


def test_win_stay_lose_shift_repeats_a_winning_move() -> None:
    # R (3) and T (5) win, S (0) and P (1) lose
    versus("win_stay_lose_shift", [C, D, D, C, C], 6).assert_plays([C, C, D, C, C, C])
    versus("win_stay_lose_shift", Scripted([D, C], then="hold"), 4).assert_plays([C, D, D, D])


def test_alternator_alternates_whatever_happens() -> None:
    versus("alternator", [D], 5).assert_plays([C, D, C, D, C])
    versus("alternator", "alternator", 4).assert_plays([C, D, C, D])


def test_big_deal_first_needs_a_deal() -> None:
    with pytest.raises(StrategyError, match="A has no commitment in any deal"):
        versus("big_deal_first", [C], 1)
