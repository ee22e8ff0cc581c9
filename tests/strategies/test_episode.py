"""The per-episode vocabulary means what it means for the vectorised library."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.strategies import (
    Classifier,
    EpisodeStrategy,
    EpisodeView,
    NamedMove,
    StrategyError,
    register,
    unregister,
)
from detente.strategies.testing import versus


class TitForTatByName(EpisodeStrategy):
    """Tit for tat in the per-episode vocabulary: retaliate against whoever provoked me."""

    name = "test_tit_for_tat_by_name"
    classifier = Classifier(memory_depth=1, reciprocal=True)

    def move(self, view: EpisodeView) -> NamedMove:
        return view.retaliate(view.provoked_by)


class GrimByName(EpisodeStrategy):
    """Grim trigger by name: retaliate forever against each party once it provoked."""

    name = "test_grim_by_name"
    classifier = Classifier(memory_depth=float("inf"))

    def reset(self) -> None:
        self.grudge: set[str] = set()

    def move(self, view: EpisodeView) -> NamedMove:
        self.grudge |= view.provoked_by
        return view.retaliate(self.grudge)


@pytest.fixture(autouse=True)
def _registered() -> object:
    for cls in (TitForTatByName, GrimByName):
        register(cls)
    yield
    for cls in (TitForTatByName, GrimByName):
        unregister(cls.name)


@pytest.mark.parametrize(
    ("ours", "library"),
    [(TitForTatByName.name, "tit_for_tat"), (GrimByName.name, "grim_trigger")],
)
@pytest.mark.parametrize("party", ["US", "DPRK"])
def test_strategies_by_name_play_exactly_the_librarys(
    korea: CompiledScenario, ours: str, library: str, party: str
) -> None:
    def run(spec: str) -> Any:
        return simulate(korea, {party: spec}, episodes=40, rounds=15, seed=9)

    by_name, vectorised = run(ours), run(library)
    assert by_name.breakdowns.sum() > 0  # provocations happened: retaliation was exercised
    for name in ("total", "first_reached", "breakdowns", "success_round"):
        np.testing.assert_array_equal(getattr(by_name, name), getattr(vectorised, name))


class Alternating(EpisodeStrategy):
    """Cooperates in odd rounds and defects in even ones, by name (left unregistered)."""

    name = "test_alternating"
    classifier = Classifier(memory_depth=0)

    def move(self, view: EpisodeView) -> NamedMove:
        return view.defect() if view.round % 2 else view.cooperate()


def test_defecting_and_cooperating_by_name_are_the_librarys() -> None:
    by_name = versus(Alternating, {}, 4, scenario="korea", party="DPRK")
    by_name.assert_plays(["C", "D", "C", "D"])
    # the library's alternator, move for move: actions and offers
    assert by_name.moves() == versus("alternator", {}, 4, scenario="korea", party="DPRK").moves()
    defect = by_name.moves()[1]
    # every provocation available, one level of each: it ends the moratorium of the double
    # freeze agreed in round 1 and tests (the mildest missile, and a bomb)
    assert set(defect.actions) == {"end_moratorium", "missile_test.short_range", "nuclear_test"}
    assert defect.offers == ()


def test_retaliating_against_a_party_that_does_not_exist_is_refused() -> None:
    class Typo(EpisodeStrategy):
        name = "test_typo"
        classifier = Classifier(memory_depth=0)

        def move(self, view: EpisodeView) -> NamedMove:
            return view.retaliate(["USA"])

    with pytest.raises(StrategyError, match=r"retaliate against unknown parties \['USA'\]"):
        versus(Typo, {}, 1, scenario="korea", party="DPRK")
