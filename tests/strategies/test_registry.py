"""Strategy specs, parameters, errors, and user-registered strategies of both kinds."""

import math
import re

import numpy as np
import pytest

from detente.engine import CompiledScenario
from detente.simulate import simulate
from detente.strategies import (
    Classifier,
    EpisodeStrategy,
    EpisodeView,
    Move,
    NamedMove,
    Strategy,
    StrategyError,
    View,
    get_strategy,
    register,
    strategy_class,
    strategy_names,
    unregister,
)

BUILT_IN = {
    "cooperate",
    "defect",
    "random",
    "tit_for_tat",
    "suspicious_tit_for_tat",
    "generous_tit_for_tat",
    "tit_for_two_tats",
    "grim_trigger",
    "win_stay_lose_shift",
    "alternator",
    "grit",
    "action_for_action",
    "big_deal_first",
    "hawk",
    "dove",
    "forward_looking",
}


def test_every_built_in_is_registered_with_a_classifier() -> None:
    assert set(strategy_names()) >= BUILT_IN
    for name in BUILT_IN:
        assert isinstance(strategy_class(name).classifier, Classifier)
    assert strategy_class("grim_trigger").classifier.memory_depth == math.inf
    assert strategy_class("tit_for_two_tats").classifier.memory_depth == 2
    assert strategy_class("generous_tit_for_tat").classifier.stochastic
    assert not strategy_class("tit_for_tat").classifier.stochastic
    assert strategy_class("tit_for_tat").classifier.reciprocal


def test_spec_parsing_reads_typed_parameters() -> None:
    spec = get_strategy("generous_tit_for_tat:g=0.1")
    assert spec.params == (("g", 0.1),)
    assert str(spec) == "generous_tit_for_tat:g=0.1"
    assert get_strategy(" big_deal_first:deal=big_deal:threshold=0.2 ").params == (
        ("deal", "big_deal"),
        ("threshold", 0.2),
    )
    assert get_strategy("grit:patience=5").params == (("patience", 5),)
    assert get_strategy("win_stay_lose_shift:aspiration=none").params == (("aspiration", None),)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tit_for_tatt", "unknown strategy 'tit_for_tatt' (did you mean tit_for_tat?)"),
        ("", "empty strategy name"),
        ("generous_tit_for_tat:p=0.1", "has no parameter 'p' (parameters: g)"),
        ("generous_tit_for_tat:g=lots", "parameter g must be a number, got 'lots'"),
        ("generous_tit_for_tat:g", "write parameters as name=value"),
        ("grit:patience=2.5", "parameter patience must be a whole number"),
        ("cooperate:x=1", "has no parameter 'x' (parameters: none)"),
    ],
)
def test_bad_specs_fail_clearly(spec: str, message: str) -> None:
    with pytest.raises(StrategyError, match=re.escape(message)):
        get_strategy(spec)


def test_bad_values_fail_when_built_naming_the_party(
    ipd: CompiledScenario, korea: CompiledScenario
) -> None:
    with pytest.raises(StrategyError, match=r"for A: generosity g must be in \[0, 1\], got 1.5"):
        get_strategy("generous_tit_for_tat:g=1.5").build(ipd, 0)
    with pytest.raises(StrategyError, match="no deal 'huge' in scenario korea"):
        get_strategy("big_deal_first:deal=huge").build(korea, korea.parties.index("US"))
    with pytest.raises(StrategyError, match="A has no commitment in any deal"):
        get_strategy("big_deal_first").build(ipd, 0)  # ipd has no commitments at all
    with pytest.raises(StrategyError, match="RUS has no commitment in deal small_deal"):
        get_strategy("big_deal_first:deal=small_deal").build(korea, korea.parties.index("RUS"))


class AlwaysDefectVectorised(Strategy):
    """A user strategy written over arrays: take every available action."""

    name = "test_always_defect"
    classifier = Classifier(memory_depth=0)

    def move(self, view: View) -> Move:
        return Move(view.available.copy(), np.zeros_like(view.offerable))


class MirrorPerEpisode(EpisodeStrategy):
    """A user tit for tat in plain Python, one episode at a time."""

    name = "test_mirror"
    classifier = Classifier(memory_depth=1, reciprocal=True)

    def __init__(self, compiled: CompiledScenario, party: int, *, start: str = "cooperate") -> None:
        super().__init__(compiled, party)
        if start not in ("cooperate", "defect"):
            raise StrategyError(f"start must be cooperate or defect, got {start!r}")
        self.start = start

    def move(self, view: EpisodeView) -> NamedMove:
        other = "B" if view.party == "A" else "A"
        if view.round == 0:
            return NamedMove(actions={"defect"} if self.start == "defect" else set())
        return NamedMove(actions={"defect"} if f"{other}.defect" in view.perceived else set())


def test_user_strategies_of_both_kinds_play(ipd: CompiledScenario) -> None:
    register(AlwaysDefectVectorised)
    register(MirrorPerEpisode)
    try:
        # the per-episode mirror is tit for tat, the mirror opening with a defection is suspicious
        ours = simulate(ipd, {"A": "test_mirror", "B": "alternator"}, 3, 200).total
        classic = simulate(ipd, {"A": "tit_for_tat", "B": "alternator"}, 3, 200).total
        np.testing.assert_array_equal(ours, classic)
        ours = simulate(ipd, {"A": "test_mirror:start=defect", "B": "test_always_defect"}, 2, 50)
        classic = simulate(ipd, {"A": "suspicious_tit_for_tat", "B": "defect"}, 2, 50)
        np.testing.assert_array_equal(ours.total, classic.total)
        with pytest.raises(StrategyError, match="start must be cooperate or defect"):
            get_strategy("test_mirror:start=sulk").build(ipd, 0)
    finally:
        unregister("test_mirror")
        unregister("test_always_defect")


def test_registry_refuses_bad_classes_and_taken_names() -> None:
    class Nameless(Strategy):
        classifier = Classifier(memory_depth=0)

        def move(self, view: View) -> Move:
            raise NotImplementedError

    with pytest.raises(StrategyError, match="must be a lower-case identifier"):
        register(Nameless)

    class Impostor(Nameless):
        name = "tit_for_tat"

    with pytest.raises(StrategyError, match="'tit_for_tat' is taken by detente"):
        register(Impostor)
    with pytest.raises(StrategyError, match="neither a Strategy nor an EpisodeStrategy"):
        register(int)  # type: ignore[type-var]


def test_per_episode_strategy_naming_a_foreign_action_fails(ipd: CompiledScenario) -> None:
    class Confused(EpisodeStrategy):
        name = "test_confused"
        classifier = Classifier(memory_depth=0)

        def move(self, view: EpisodeView) -> NamedMove:
            return NamedMove(actions={"surrender"})

    register(Confused)
    try:
        with pytest.raises(
            StrategyError, match="returned a move that is not its own: A has no action 'surrender'"
        ):
            simulate(ipd, {"A": "test_confused"}, 1, 3)
    finally:
        unregister("test_confused")
