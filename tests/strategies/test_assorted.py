"""An assortment plays exactly as its members would, each on its own episodes."""

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.strategies import Assortment, Classifier, Move, Strategy, View, get_strategy
from detente.strategies.assorted import Groups, Rows
from detente.strategies.base import I64
from tests.strategies.test_booleans import random_view

MEMBERS = ["grim_trigger", "random:p=0.3", "alternator", "tit_for_two_tats", "grit", "hawk"]


class Reference(Strategy):
    """The straightforward assortment: every member on ``view.subset`` of its rows."""

    name = "reference"
    classifier = Classifier(memory_depth=float("inf"))

    def __init__(
        self, c: CompiledScenario, party: int, members: list[Strategy], pattern: I64
    ) -> None:
        super().__init__(c, party)
        self.members, self.pattern = members, pattern
        self.rows: list[I64] | None = None

    def reset(self, batch: int) -> None:
        self.rows = None

    def move(self, view: View) -> Move:
        if self.rows is None:
            which = self.pattern[view.episodes % self.pattern.size]
            self.rows = [np.flatnonzero(which == i) for i in range(len(self.members))]
            for member, rows in zip(self.members, self.rows, strict=True):
                member.reset(rows.size)
        actions = np.zeros(view.available.shape, dtype=bool)
        offers = np.zeros(view.offerable.shape, dtype=bool)
        for member, rows in zip(self.members, self.rows, strict=True):
            if rows.size:
                move = member.move(view.subset(rows))
                actions[rows], offers[rows] = move.actions, move.offers
        return Move(actions, offers)


@dataclasses.dataclass(frozen=True)
class ReferenceAssortment:
    members: tuple[str, ...]
    pattern: tuple[int, ...]

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        members = [get_strategy(m).build(compiled, party) for m in self.members]
        return Reference(compiled, party, members, np.array(self.pattern))


@settings(max_examples=8, deadline=None)
@given(
    patterns=st.lists(
        st.lists(st.integers(0, len(MEMBERS) - 1), min_size=1, max_size=9), min_size=6, max_size=6
    ),
    seed=st.integers(0, 2**32 - 1),
    first=st.integers(0, 50),
)
def test_assortment_plays_like_its_members_on_their_own_episodes(
    patterns: Sequence[list[int]], seed: int, first: int
) -> None:
    c = compile_scenario(load_with_overrides("korea", ["noise.tremble=0.1"]))
    factories = tuple(get_strategy(m) for m in MEMBERS)
    seats = list(zip(c.parties, patterns, strict=True))
    ours = {p: Assortment(factories, tuple(pattern)) for p, pattern in seats}
    theirs = {p: ReferenceAssortment(tuple(MEMBERS), tuple(pattern)) for p, pattern in seats}
    a, b = (
        simulate(c, profile, 40, 25, seed, chunk=15, first_episode=first)
        for profile in (ours, theirs)
    )
    for name in ("total", "first_reached", "breakdowns", "stalls", "success_round"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_groups_sort_each_members_episodes_into_a_block() -> None:
    which = np.array([2, 0, 2, 1, 0, 2])
    groups = Groups(which)
    assert groups.blocks == [(0, slice(0, 2)), (1, slice(2, 3)), (2, slice(3, 6))]
    assert groups.order.tolist() == [1, 4, 3, 0, 2, 5]
    assert np.array_equal(groups.order[groups.inverse], np.arange(6))


@pytest.mark.parametrize("rows", [np.array([4, 0, 2]), slice(1, 4)])
def test_rows_equal_an_eager_subset(korea: CompiledScenario, rows: I64 | slice) -> None:
    view = random_view(korea, 2, np.random.default_rng(0), 6)
    lazy, eager = Rows.gathered(view, rows), view.subset(np.arange(6)[rows])
    for field in dataclasses.fields(View):
        assert np.array_equal(getattr(lazy, field.name), getattr(eager, field.name)), field.name
    assert lazy.batch == 3
    with pytest.raises(AttributeError, match="nonsense"):
        lazy.nonsense  # noqa: B018
    again = dataclasses.replace(lazy, round=7)
    assert again.round == 7
    assert np.array_equal(again.trust, eager.trust)
