"""The strategy test kit: scripted opponents, ``versus`` and its round-by-round failures."""

import re

import numpy as np
import pytest

from detente.engine import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.strategies import (
    Classifier,
    EpisodeStrategy,
    EpisodeView,
    Move,
    NamedMove,
    StanceStrategy,
    StrategyError,
    View,
)
from detente.strategies.testing import Scripted, factory, versus

C, D = "C", "D"


def test_a_failure_shows_every_round_expected_and_played() -> None:
    match = versus("tit_for_tat", [C, D, D, C], 5)
    with pytest.raises(AssertionError) as failure:
        match.assert_plays([C, C, D, C, C])
    message = str(failure.value)
    assert message.startswith(
        "A (tit_for_tat) did not play the expected moves in round 4 "
        "(against B=scripted(C, D, D, C; cycle)):"
    )
    rows = [line.split() for line in message.splitlines()[1:]]
    assert rows[0] == ["round", "stage", "saw", "expected", "played"]
    assert rows[4] == [">", "4", "mistrust", "B.defect", "C", "D"]  # the wrong round, marked
    assert rows[5] == ["5", "mistrust", "-", "C", "C"]
    assert len(rows) == 6


def test_a_failure_says_when_the_lengths_differ() -> None:
    with pytest.raises(AssertionError, match="3 expected, 4 rounds played") as failure:
        versus("cooperate", [C], 4).assert_plays([C, C, C])
    assert re.search(r"^> 4 .* \(nothing\)\s+C$", str(failure.value), re.M)


def test_ellipsis_matches_anything_and_moves_compare_whole() -> None:
    match = versus("tit_for_tat", [D, C], 4)
    match.assert_plays([C, ..., ..., D])
    match.assert_plays([NamedMove(), NamedMove(["defect"]), ..., ...])
    match.assert_actions([set(), {"defect"}, set(), "defect"])  # a name alone is a set of one
    with pytest.raises(AssertionError, match=r"round 1 .*\n.*\n> 1 .* \{defect\}\s+\{\}"):
        match.assert_actions([{"defect"}, ..., ..., ...])
    assert str(match).splitlines()[2].split() == ["2", "mistrust", "B.defect", "D"]


def test_scripts_cycle_or_hold_and_play_in_simulate(ipd: CompiledScenario) -> None:
    assert versus("cooperate", [C, D, D], 7).letters("B") == [C, D, D, C, D, D, C]
    held = Scripted([D, C], then="hold")
    assert versus("cooperate", held, 4).letters("B") == [D, C, C, C]
    assert str(held) == "scripted(D, C; hold)"
    # a script is a profile entry like any other: versus and simulate play the same episode
    r = simulate(ipd, {"A": "tit_for_tat", "B": Scripted([C, D, D])}, episodes=3, rounds=9)
    match = versus("tit_for_tat", [C, D, D], 9)
    for p, party in enumerate(ipd.parties):
        assert sum(t.payoff for t in match.turns(party)) == r.total[0, p]
    assert r.profile["B"] == "scripted(C, D, D; cycle)"


def test_named_scripted_moves_are_checked_against_the_party() -> None:
    with pytest.raises(StrategyError, match="scripted move summit: JPN has no action 'summit'"):
        versus("tit_for_tat", {"JPN": ["summit"]}, 1, scenario="korea", party="US")
    with pytest.raises(StrategyError, match="a script needs at least one move"):
        Scripted([])
    with pytest.raises(StrategyError, match="then must be cycle or hold"):
        Scripted([C], then="loop")


def test_versus_plays_exactly_the_simulations_episode(korea: CompiledScenario) -> None:
    """With noise and every other party at its default, the episode is the simulation's."""
    match = versus(
        "grit", {}, 25, scenario=korea, party="DPRK", noise=True, others=None, seed=5, episode=3
    )
    r = simulate(korea, {"DPRK": "grit"}, episodes=4, rounds=25, seed=5)
    totals = [sum(t.payoff for t in match.turns(p)) for p in korea.parties]
    np.testing.assert_allclose(totals, r.total[3], rtol=1e-12)
    assert match.profile == r.profile
    assert any(rnd.turns["DPRK"].letter == D for rnd in match.rounds)  # something happened


def test_noise_is_off_unless_asked_for(korea: CompiledScenario) -> None:
    def misperceived(noise: bool) -> int:
        match = versus("tit_for_tat", {}, 40, scenario=korea, party="US", noise=noise, others=None)
        wrong = 0
        for rnd in match.rounds:
            executed = {f"{p}.{a}" for p, t in rnd.turns.items() for a in t.executed}
            wrong += sum(len(t.perceived ^ executed) for t in rnd.turns.values())
        return wrong

    assert misperceived(False) == 0
    assert misperceived(True) > 0


def test_trembles_show_in_what_was_played_not_in_what_was_chosen() -> None:
    shaky = compile_scenario(load_with_overrides("ipd", ["noise.tremble=0.3"]))
    steady = versus("cooperate", [C], 20, scenario=shaky).turns()
    assert all(t.chosen == t.played for t in steady)  # noise=False: no tremble either
    turns = versus("cooperate", [C], 20, scenario=shaky, noise=True).turns()
    flipped = [t for t in turns if t.chosen != t.played]
    assert flipped
    assert all(t.chosen == NamedMove() and t.letter == D for t in flipped)


class DefectAfterTwo(EpisodeStrategy):
    """Cooperates, then defects against everyone from round ``after + 1`` on (unregistered)."""

    name = "test_defect_after"
    classifier = Classifier(memory_depth=0)

    def __init__(self, compiled: CompiledScenario, party: int, *, after: int = 2) -> None:
        super().__init__(compiled, party)
        self.after = after

    def move(self, view: EpisodeView) -> NamedMove:
        return view.defect() if view.round >= self.after else view.cooperate()


class DefectAfterTwoVectorised(StanceStrategy):
    """The same over arrays."""

    name = "test_defect_after_vectorised"
    classifier = Classifier(memory_depth=0)

    def move(self, view: View) -> Move:
        defect = np.full(view.batch, view.round >= 2)
        return self.playbook.realise(view, self.playbook.choose(defect))


@pytest.mark.parametrize("scenario", ["ipd", "korea"])
def test_per_episode_and_vectorised_classes_play_alike(scenario: str) -> None:
    party = "A" if scenario == "ipd" else "DPRK"
    runs = [
        versus(cls, {}, 4, scenario=scenario, party=party)
        for cls in (DefectAfterTwo, DefectAfterTwoVectorised)
    ]
    runs[0].assert_plays([C, C, D, D])
    assert runs[0].moves() == runs[1].moves()
    versus(factory(DefectAfterTwo, after=1), [C], 3).assert_plays([C, D, D])


def test_parties_are_checked() -> None:
    with pytest.raises(StrategyError, match="korea has 6 parties: give the opponents as a mapping"):
        versus("tit_for_tat", [C], 2, scenario="korea")
    with pytest.raises(StrategyError, match="US is both the party under test and an opponent"):
        versus("tit_for_tat", {"US": [C]}, 2, scenario="korea", party="US")
    with pytest.raises(StrategyError, match="no party NK in scenario korea"):
        versus("tit_for_tat", {"NK": [C]}, 2, scenario="korea", party="US")
    with pytest.raises(StrategyError, match="JPN has no provocation, so C and D cannot tell"):
        versus("tit_for_tat", {}, 2, scenario="korea", party="JPN").assert_plays([C, C])
    with pytest.raises(StrategyError, match=re.escape("are C, D, NamedMoves or ..., got 'X'")):
        versus("tit_for_tat", [C], 1).assert_plays(["X"])
    # on two parties one opponent is enough, and the tested party is the one not named
    assert versus("defect", {"A": [C]}, 1).party == "B"


def test_a_policy_in_force_is_executed_but_played_only_the_round_it_is_taken() -> None:
    # the DPRK declares the moratorium once; it stays in force (executed) without being retaken
    once = Scripted(["freeze_tests", NamedMove()], then="hold")
    match = versus("cooperate", {"DPRK": once}, 3, scenario="korea", party="US")
    assert match.actions("DPRK") == [{"freeze_tests"}, set(), set()]
    assert all("freeze_tests" in t.executed for t in match.turns("DPRK"))
    assert match.letters("DPRK") == [C, C, C]
